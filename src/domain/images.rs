//! Uploaded images: the type sniffed from the bytes, decompression bombs refused from the header
//! before any pixel is decoded, and metadata (EXIF with GPS, XMP, text chunks) stripped by
//! re-encoding. CPU-bound: callers run [`process`] on a blocking thread.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};
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
/// survives; GIFs, whose animation re-encoding would ruin, are decoded frame by frame to prove
/// them whole and kept as sent.
pub fn process(bytes: &[u8], max_pixels: u64) -> Result<Processed, Refusal> {
    let format = Format::sniff(bytes).ok_or(Refusal::Unsupported)?;
    let limits = limits(max_pixels);
    let bytes = if format == Format::Gif {
        check_gif(bytes, max_pixels, limits)?;
        bytes.to_vec()
    } else {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
        reader.limits(limits);
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

fn check_gif(bytes: &[u8], max_pixels: u64, limits: image::Limits) -> Result<(), Refusal> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes))?;
    decoder.set_limits(limits)?;
    let (width, height) = decoder.dimensions();
    within(width, height, 1, max_pixels)?;
    let mut frames = 0;
    for frame in decoder.into_frames() {
        frame?;
        frames += 1;
        within(width, height, frames, max_pixels)?;
    }
    if frames == 0 {
        return Err(Refusal::Corrupt("has no frames".into()));
    }
    Ok(())
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
