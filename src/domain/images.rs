//! Uploaded images: the type sniffed from the bytes, decompression bombs refused from the headers
//! (every frame's) before any pixel is decoded, and metadata (EXIF with GPS, XMP, text chunks) stripped by
//! re-encoding. CPU-bound: callers run [`process`] on a blocking thread.

use std::io::Cursor;
use std::num::NonZeroU64;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

/// JPEG quality of re-encoded photos: visually lossless for photographs, about half the size of
/// quality 100.
const JPEG_QUALITY: u8 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    WebP,
    Gif,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Png, Format::Jpeg, Format::WebP, Format::Gif];

    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::WebP => "webp",
            Format::Gif => "gif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::WebP => "image/webp",
            Format::Gif => "image/gif",
        }
    }

    pub fn from_ext(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.ext() == ext)
    }

    /// From the file's leading bytes only: a name or a declared type says nothing.
    fn sniff(bytes: &[u8]) -> Option<Self> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Png => Some(Format::Png),
            ImageFormat::Jpeg => Some(Format::Jpeg),
            ImageFormat::WebP => Some(Format::WebP),
            ImageFormat::Gif => Some(Format::Gif),
            _ => None,
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Png => ImageFormat::Png,
            Format::Jpeg => ImageFormat::Jpeg,
            Format::WebP => ImageFormat::WebP,
            Format::Gif => ImageFormat::Gif,
        }
    }
}

/// An image ready to store: its bytes, type, and the SHA-256 of the bytes (hex), which names it.
pub struct Processed {
    pub bytes: Vec<u8>,
    pub format: Format,
    pub hash: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a PNG, JPEG, WebP or GIF.
    Unsupported,
    /// More pixels than allowed (all frames of an animation together).
    TooManyPixels { width: u32, height: u32, max: u64 },
    /// Starts like an image of a supported type but does not decode.
    Corrupt(String),
}

impl From<image::ImageError> for Refusal {
    fn from(e: image::ImageError) -> Self {
        match e {
            image::ImageError::Limits(_) => {
                Refusal::Corrupt("needs too much memory to decode".into())
            }
            other => Refusal::Corrupt(other.to_string()),
        }
    }
}

/// Checks and re-encodes an uploaded image. PNG, JPEG and WebP are decoded and encoded again, so
/// nothing but pixels (turned upright by their EXIF orientation) and the colour profile
/// survives; GIFs, whose animation re-encoding would ruin, are rebuilt around their frames'
/// compressed data (see [`rebuild_gif`]).
pub fn process(bytes: &[u8], max_pixels: u64) -> Result<Processed, Refusal> {
    let format = Format::sniff(bytes).ok_or(Refusal::Unsupported)?;
    let bytes = if format == Format::Gif {
        rebuild_gif(bytes, max_pixels)?
    } else {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
        reader.limits(limits(max_pixels));
        let mut decoder = reader.into_decoder()?;
        let (width, height) = decoder.dimensions();
        within(width, height, 1, max_pixels)?;
        let orientation = decoder.orientation()?;
        let icc = decoder.icc_profile()?;
        let mut image = DynamicImage::from_decoder(decoder)?;
        image.apply_orientation(orientation);
        encode(image, format, icc)?
    };
    let hash = hex::encode(Sha256::digest(&bytes));
    Ok(Processed {
        bytes,
        format,
        hash,
    })
}

/// Memory the decoders may allocate: enough for the largest allowed image at 16 bits per
/// channel with alpha, plus room for the decoders' own buffers.
fn limits(max_pixels: u64) -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    limits
}

fn within(width: u32, height: u32, frames: u64, max: u64) -> Result<(), Refusal> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels.saturating_mul(frames) > max {
        return Err(Refusal::TooManyPixels { width, height, max });
    }
    Ok(())
}

/// A GIF's frames are counted from their headers before any is decoded: each frame has a size of
/// its own, which the screen's size says nothing of (150 frames of 4000×4000 fit on a 1×1
/// screen), and all of them together must stay within `max_pixels`. The file is then written
/// anew from the screen, the palettes, the loop count and each frame's compressed data as sent:
/// the animation is kept, while comments, application data (XMP) and anything after the
/// trailer are left behind. Last, the new file's frames are decoded, to prove them whole.
fn rebuild_gif(bytes: &[u8], max_pixels: u64) -> Result<Vec<u8>, Refusal> {
    let mut options = gif::DecodeOptions::new();
    options.skip_frame_decoding(true);
    let mut decoder = options.read_info(bytes).map_err(gif_refusal)?;
    let (width, height) = (decoder.width(), decoder.height());
    within(width.into(), height.into(), 1, max_pixels)?;
    let palette = decoder.global_palette().unwrap_or_default().to_vec();
    let mut rebuilt =
        gif::Encoder::new(Vec::new(), width, height, &palette).map_err(gif_written)?;
    let mut pixels = 0u64;
    let mut frames = 0u64;
    while let Some(frame) = decoder.read_next_frame().map_err(gif_refusal)? {
        let frame = frame.clone();
        pixels += u64::from(frame.width) * u64::from(frame.height);
        if pixels > max_pixels {
            return Err(Refusal::TooManyPixels {
                width: frame.width.into(),
                height: frame.height.into(),
                max: max_pixels,
            });
        }
        if frames == 0 && decoder.repeat() != gif::Repeat::Finite(0) {
            rebuilt.set_repeat(decoder.repeat()).map_err(gif_written)?;
        }
        rebuilt
            .write_lzw_pre_encoded_frame(&frame)
            .map_err(gif_written)?;
        frames += 1;
    }
    if frames == 0 {
        return Err(Refusal::Corrupt("has no frames".into()));
    }
    let rebuilt = rebuilt.into_inner().map_err(gif_written)?;
    let mut options = gif::DecodeOptions::new();
    options.set_memory_limit(gif::MemoryLimit::Bytes(
        max_pixels
            .saturating_add(1)
            .try_into()
            .unwrap_or(NonZeroU64::MAX),
    ));
    let mut decoder = options.read_info(rebuilt.as_slice()).map_err(gif_refusal)?;
    while decoder.read_next_frame().map_err(gif_refusal)?.is_some() {}
    Ok(rebuilt)
}

fn gif_refusal(e: gif::DecodingError) -> Refusal {
    Refusal::Corrupt(e.to_string())
}

/// Writing to memory fails only on frame data the decoder passed on as it was: corrupt.
fn gif_written(e: gif::EncodingError) -> Refusal {
    Refusal::Corrupt(e.to_string())
}

fn encode(image: DynamicImage, format: Format, icc: Option<Vec<u8>>) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    match format {
        Format::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            keep_profile(&mut encoder, icc);
            image.write_with_encoder(encoder)?;
        }
        Format::Jpeg => {
            let image = match image {
                DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image,
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            let mut encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            keep_profile(&mut encoder, icc);
            image.write_with_encoder(encoder)?;
        }
        // The only WebP encoder at hand is lossless: no pixel changes, a larger file than a
        // lossy original.
        Format::WebP => {
            let image = match image {
                DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
                other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            keep_profile(&mut encoder, icc);
            image.write_with_encoder(encoder)?;
        }
        Format::Gif => unreachable!("GIFs are kept as sent"),
    }
    Ok(out)
}

/// The colour profile is not personal data, and without it wide-gamut photos (most phones')
/// would show washed out.
fn keep_profile(encoder: &mut impl ImageEncoder, icc: Option<Vec<u8>>) {
    if let Some(icc) = icc {
        // An encoder that cannot carry a profile writes the pixels without it.
        let _ = encoder.set_icc_profile(icc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIF of `frames` frames of `size`×`size` pixels each on a `screen`×`screen` screen,
    /// looping forever, with a comment extension before its first frame.
    fn animation(screen: u16, size: u16, frames: u8) -> Vec<u8> {
        let palette = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255];
        let mut encoder = gif::Encoder::new(Vec::new(), screen, screen, &palette).unwrap();
        encoder.set_repeat(gif::Repeat::Infinite).unwrap();
        encoder
            .write_raw_extension(
                gif::Extension::Comment.into(),
                &[b"taken at 37.56N 126.97E"],
            )
            .unwrap();
        for n in 0..frames {
            let pixels: Vec<u8> = (0..usize::from(size) * usize::from(size))
                .map(|i| (i as u8).wrapping_add(n) % 4)
                .collect();
            let mut frame = gif::Frame::from_indexed_pixels(size, size, pixels, None);
            frame.delay = 10;
            encoder.write_frame(&frame).unwrap();
        }
        encoder.into_inner().unwrap()
    }

    fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut decoder = gif::DecodeOptions::new().read_info(bytes).unwrap();
        let mut frames = Vec::new();
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            frames.push(frame.buffer.to_vec());
        }
        frames
    }

    #[test]
    fn frames_larger_than_the_screen_count_against_the_pixel_limit() {
        let bomb = animation(1, 100, 3);
        assert_eq!(
            process(&bomb, 25_000).err(),
            Some(Refusal::TooManyPixels {
                width: 100,
                height: 100,
                max: 25_000
            })
        );
        assert!(process(&bomb, 30_000).is_ok());
    }

    #[test]
    fn a_gif_keeps_its_animation_and_loses_its_comments_and_trailing_bytes() {
        let sent = animation(16, 16, 3);
        let mut appended = sent.clone();
        appended.extend_from_slice(b"<script>alert(1)</script>");
        let kept = process(&appended, 25_000).unwrap();
        assert_eq!(kept.format, Format::Gif);
        assert_eq!(frames(&kept.bytes), frames(&sent));
        let decoder = gif::DecodeOptions::new()
            .read_info(kept.bytes.as_slice())
            .unwrap();
        assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
        assert_eq!(kept.bytes.last(), Some(&0x3B), "ends on the trailer");
        let text = String::from_utf8_lossy(&kept.bytes);
        assert!(
            !text.contains("script") && !text.contains("37.56N"),
            "{text}"
        );
        // The same picture sent with and without the extra bytes is one upload.
        assert_eq!(kept.hash, process(&sent, 25_000).unwrap().hash);
    }

    #[test]
    fn a_gif_whose_frame_data_is_cut_short_is_refused() {
        let sent = animation(16, 16, 2);
        let cut = &sent[..sent.len() - 30];
        assert!(matches!(process(cut, 25_000), Err(Refusal::Corrupt(_))));
    }
}
