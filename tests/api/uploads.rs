//! Image uploads: formats sniffed from the bytes, metadata stripped, size, pixel and quota limits,
//! content-addressed storage served with immutable caching, locally and on S3 (moto).

use std::io::Cursor;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_with};

engine_tests!(
    each_format_is_accepted_and_served_with_its_type,
    the_type_comes_from_the_bytes_not_the_name,
    exif_and_gps_are_stripped_from_jpegs,
    the_exif_orientation_is_applied_to_the_pixels,
    metadata_chunks_are_stripped_from_pngs,
    a_file_over_the_size_limit_is_413,
    a_decompression_bomb_is_refused_from_its_header,
    gif_frames_larger_than_their_screen_are_counted_before_decoding,
    bytes_after_a_gifs_trailer_are_not_stored,
    the_same_image_twice_is_stored_once,
    past_the_quota_is_a_clear_422,
    concurrent_uploads_do_not_overrun_the_quota,
    uploading_needs_a_token,
    a_body_without_a_file_field_is_refused,
    unknown_uploads_are_404,
    the_s3_path_stores_in_the_bucket,
);

/// A server with upload settings `extra`, and its data directory.
async fn spawn(engine: Engine, extra: &[(&str, &str)]) -> (TestApp, PathBuf) {
    let settings = settings(&fresh_database(engine).await, extra);
    let data_dir = settings.data_dir.clone();
    let app = spawn_with(settings).await;
    app.wait_ready().await;
    (app, data_dir)
}

/// `image` encoded as `format`.
pub(crate) fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A small picture whose pixels differ with `seed`, so that each seed is another image.
pub(crate) fn picture(seed: u8) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(40, 30, |x, y| {
        Rgb([x as u8 * 6, y as u8 * 8, seed])
    }))
}

/// Sends `bytes` as the multipart field `field` named `filename` with `content_type`.
async fn send(
    app: &TestApp,
    token: Option<&str>,
    field: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "quill-test-boundary-7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post(format!("{}/api/uploads", app.base))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Token {t}"));
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Uploads `bytes` as `file` (named `image.bin`, typed as a generic binary).
pub(crate) async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> (StatusCode, Value) {
    send(
        app,
        Some(token),
        "file",
        "image.bin",
        "application/octet-stream",
        bytes,
    )
    .await
}

/// The URL of a successful upload.
async fn uploaded(app: &TestApp, token: &str, bytes: &[u8]) -> String {
    let (status, body) = upload(app, token, bytes).await;
    assert!(status.is_success(), "{status}: {body}");
    body["upload"]["url"].as_str().unwrap().to_string()
}

/// GETs an absolute URL: the status, the headers and the bytes.
async fn fetch(app: &TestApp, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app.client.get(url).send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

async fn each_format_is_accepted_and_served_with_its_type(engine: Engine) {
    let (app, _) = spawn(engine, &[("PUBLIC_URL", "https://blog.example.com")]).await;
    let token = app.register("writer").await;
    let transparent = DynamicImage::ImageRgba8(RgbaImage::from_fn(20, 10, |x, _| {
        Rgba([200, 10, 10, x as u8 * 12])
    }));
    for (image, format, ext, content_type) in [
        (picture(1), ImageFormat::Png, "png", "image/png"),
        (picture(2), ImageFormat::Jpeg, "jpg", "image/jpeg"),
        (transparent.clone(), ImageFormat::WebP, "webp", "image/webp"),
        (transparent, ImageFormat::Gif, "gif", "image/gif"),
    ] {
        let sent = encoded(&image, format);
        let url = uploaded(&app, &token, &sent).await;
        // Built from PUBLIC_URL, never from the request's Host.
        let path = url
            .strip_prefix("https://blog.example.com")
            .unwrap_or_else(|| panic!("{url}"));
        assert!(
            path.starts_with("/uploads/") && path.ends_with(&format!(".{ext}")),
            "{url}"
        );
        let (status, headers, bytes) = fetch(&app, &format!("{}{path}", app.base)).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(headers["content-type"], content_type);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
        let served = image::load_from_memory_with_format(&bytes, format).unwrap();
        assert_eq!(
            (served.width(), served.height()),
            (image.width(), image.height())
        );
        if format != ImageFormat::Jpeg {
            let sent = image::load_from_memory_with_format(&sent, format).unwrap();
            assert_eq!(served.to_rgba8(), sent.to_rgba8(), "{ext} kept its pixels");
        }
    }
}

async fn the_type_comes_from_the_bytes_not_the_name(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let (status, body) = send(
        &app,
        Some(&token),
        "file",
        "photo.png",
        "image/png",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"errors": {"file": ["is not a PNG, JPEG, WebP or GIF image"]}})
        )
    );
    // A GIF sent as a PNG is stored and served as the GIF it is.
    let gif = encoded(&picture(3), ImageFormat::Gif);
    let (status, body) = send(&app, Some(&token), "file", "photo.png", "image/png", &gif).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["upload"]["url"].as_str().unwrap();
    assert!(url.ends_with(".gif"), "{url}");
    // A PNG signature followed by garbage is not an image either.
    let mut broken = encoded(&picture(4), ImageFormat::Png);
    broken.truncate(40);
    let (status, body) = upload(&app, &token, &broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["errors"]["file"][0]
            .as_str()
            .unwrap()
            .starts_with("is not a valid image"),
        "{body}"
    );
}

/// A little-endian TIFF header and an IFD with no entries: the start of an EXIF block.
const EMPTY_EXIF: &[u8] = b"II*\0\x08\0\0\0\0\0\0\0\0\0";

/// `picture(5)` as a JPEG with an APP1 Exif segment holding `tiff` right after its start marker.
fn jpeg_with_exif(tiff: &[u8]) -> Vec<u8> {
    let jpeg = encoded(&picture(5), ImageFormat::Jpeg);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn exif_and_gps_are_stripped_from_jpegs(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("photographer").await;
    let secret = b"GPSLatitude 48.858370 N GPSLongitude 2.294481 E serial 0xC0FFEE";
    // After the empty IFD, text that stands for GPS coordinates and a camera serial number.
    let original = jpeg_with_exif(&[EMPTY_EXIF, secret].concat());
    assert!(contains(&original, secret) && contains(&original, b"Exif\0\0"));
    image::load_from_memory(&original).expect("the test JPEG decodes");

    let url = uploaded(&app, &token, &original).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let (_, _, served) = fetch(&app, &format!("{}{path}", app.base)).await;
    assert!(!contains(&served, b"Exif"), "an Exif segment survived");
    assert!(!contains(&served, b"GPSLatitude"), "the GPS text survived");
    assert!(!contains(&served, b"0xC0FFEE"));
    let image = image::load_from_memory_with_format(&served, ImageFormat::Jpeg).unwrap();
    assert_eq!((image.width(), image.height()), (40, 30));
}

async fn the_exif_orientation_is_applied_to_the_pixels(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("photographer").await;
    // One IFD entry: Orientation (0x0112), a SHORT, 6: "rotate 90° clockwise to show".
    let tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0";
    let url = uploaded(&app, &token, &jpeg_with_exif(tiff)).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let (_, _, served) = fetch(&app, &format!("{}{path}", app.base)).await;
    let image = image::load_from_memory_with_format(&served, ImageFormat::Jpeg).unwrap();
    // Upright as viewers showed the original: 30 wide and 40 high instead of 40 × 30.
    assert_eq!((image.width(), image.height()), (30, 40));
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&[kind.as_slice(), data].concat());
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn metadata_chunks_are_stripped_from_pngs(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("designer").await;
    let png = encoded(&picture(6), ImageFormat::Png);
    // After the signature (8 bytes) and IHDR (25): a text chunk and an eXIf chunk.
    let mut original = png[..33].to_vec();
    original.extend(png_chunk(b"tEXt", b"Author\0Jane Doe, 12 Secret Lane"));
    original.extend(png_chunk(b"eXIf", b"II*\0\x08\0\0\0\0\0\0\0\0\0GPS 48.85N"));
    original.extend_from_slice(&png[33..]);
    image::load_from_memory(&original).expect("the test PNG decodes");

    let url = uploaded(&app, &token, &original).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let (_, _, served) = fetch(&app, &format!("{}{path}", app.base)).await;
    assert!(!contains(&served, b"Secret Lane"));
    assert!(!contains(&served, b"eXIf") && !contains(&served, b"GPS 48.85N"));
    let image = image::load_from_memory_with_format(&served, ImageFormat::Png).unwrap();
    assert_eq!(image.to_rgb8(), picture(6).to_rgb8());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn a_file_over_the_size_limit_is_413(engine: Engine) {
    let (app, _) = spawn(engine, &[("UPLOAD_MAX_BYTES", "20000")]).await;
    let token = app.register("writer").await;
    let noise = DynamicImage::ImageRgb8(RgbImage::from_fn(200, 200, |x, y| {
        let n = (x * 7919 + y * 104_729) as u8;
        Rgb([n, n.wrapping_mul(31), n.wrapping_mul(17)])
    }));
    let big = encoded(&noise, ImageFormat::Png);
    assert!(big.len() > 20_000, "{}", big.len());
    let (status, body) = upload(&app, &token, &big).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"errors": {"file": ["is too large (the limit is 19.5 KiB)"]}})
        )
    );
    // Far past the limit: refused from Content-Length, without waiting for the body.
    let mut socket = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /api/uploads HTTP/1.1\r\nHost: quill\r\nAuthorization: Token {token}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000000\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 12];
    tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut answer))
        .await
        .expect("answered before the body was sent")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
    // Under the limit, and over the API's 1 MiB for JSON bodies, is fine with a higher limit.
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let large = DynamicImage::ImageRgb8(RgbImage::from_fn(700, 700, |x, y| {
        let n = (x * 7919 + y * 104_729) as u8;
        Rgb([n, n.wrapping_mul(31), n.wrapping_mul(17)])
    }));
    let large = encoded(&large, ImageFormat::Png);
    assert!(large.len() > 1024 * 1024, "{}", large.len());
    let (status, body) = upload(&app, &token, &large).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn a_decompression_bomb_is_refused_from_its_header(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("attacker").await;
    // 100,000 × 100,000 pixels (30 GB as RGB) declared by a file of 70 bytes.
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    bomb.extend(png_chunk(b"IHDR", &ihdr));
    bomb.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    bomb.extend(png_chunk(b"IEND", b""));
    let started = Instant::now();
    let (status, body) = upload(&app, &token, &bomb).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"file": ["has too many pixels (100000×100000; the limit is 25000000 in all frames)"]}})
        )
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// A GIF of `frames` frames of `size`×`size` pixels on a 1×1 screen: the screen is all that the
/// file's first header declares.
fn gif_on_a_tiny_screen(size: u16, frames: usize) -> Vec<u8> {
    let mut encoder = gif::Encoder::new(Vec::new(), 1, 1, &[0, 0, 0, 255, 255, 255]).unwrap();
    let frame = gif::Frame::from_indexed_pixels(
        size,
        size,
        vec![1; usize::from(size) * usize::from(size)],
        None,
    );
    for _ in 0..frames {
        encoder.write_frame(&frame).unwrap();
    }
    encoder.into_inner().unwrap()
}

async fn gif_frames_larger_than_their_screen_are_counted_before_decoding(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("attacker").await;
    // 32 megapixels in two frames, in a file of a few kilobytes.
    let bomb = gif_on_a_tiny_screen(4000, 2);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let (status, body) = upload(&app, &token, &bomb).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"file": ["has too many pixels (4000×4000; the limit is 25000000 in all frames)"]}})
        )
    );
    // Within the limit, the same shape is an ordinary animation.
    let (status, body) = upload(&app, &token, &gif_on_a_tiny_screen(100, 3)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn bytes_after_a_gifs_trailer_are_not_stored(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let mut sent = encoded(&picture(12), ImageFormat::Gif);
    sent.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let url = uploaded(&app, &token, &sent).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let (status, _, served) = fetch(&app, &format!("{}{path}", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served.last(), Some(&0x3B), "ends on the GIF trailer");
    assert!(!String::from_utf8_lossy(&served).contains("script"));
    let served = image::load_from_memory_with_format(&served, ImageFormat::Gif).unwrap();
    let sent = image::load_from_memory_with_format(&sent, ImageFormat::Gif).unwrap();
    assert_eq!(served.to_rgba8(), sent.to_rgba8());
}

async fn the_same_image_twice_is_stored_once(engine: Engine) {
    let (app, data_dir) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let png = encoded(&picture(7), ImageFormat::Png);
    let (status, first) = upload(&app, &token, &png).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, second) = upload(&app, &token, &png).await;
    assert_eq!((status, &second), (StatusCode::OK, &first));
    // Another user's upload of it answers the same URL too.
    let other = app.register("other").await;
    let (status, third) = upload(&app, &other, &png).await;
    assert_eq!((status, &third), (StatusCode::CREATED, &first));
    let stored: Vec<_> = std::fs::read_dir(data_dir.join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let url = first["upload"]["url"].as_str().unwrap();
    assert!(url.ends_with(stored[0].to_str().unwrap()), "{url}");
}

/// A GIF is stored as sent, so its stored size is known before it is uploaded.
fn gif(seed: u8) -> Vec<u8> {
    encoded(&picture(seed), ImageFormat::Gif)
}

async fn past_the_quota_is_a_clear_422(engine: Engine) {
    let first = gif(10);
    let quota = (first.len() * 3 / 2).to_string();
    let (app, data_dir) = spawn(engine, &[("UPLOAD_QUOTA_BYTES", &quota)]).await;
    let stored = || std::fs::read_dir(data_dir.join("uploads")).unwrap().count();
    let token = app.register("writer").await;
    uploaded(&app, &token, &first).await;
    // The same image again takes nothing more.
    let (status, _) = upload(&app, &token, &first).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = upload(&app, &token, &gif(11)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["errors"]["file"][0].as_str().unwrap();
    assert!(
        message.starts_with("would pass your upload quota of ") && message.ends_with(" left"),
        "{message}"
    );
    assert_eq!(stored(), 1, "a refused image was stored all the same");
    // The quota is per user.
    let other = app.register("other").await;
    uploaded(&app, &other, &gif(11)).await;
}

async fn concurrent_uploads_do_not_overrun_the_quota(engine: Engine) {
    let images: Vec<Vec<u8>> = (20..32).map(gif).collect();
    let largest = images.iter().map(Vec::len).max().unwrap();
    let quota = largest * 4;
    let (app, _) = spawn(engine, &[("UPLOAD_QUOTA_BYTES", &quota.to_string())]).await;
    let token = app.register("writer").await;
    let results =
        futures_util::future::join_all(images.iter().map(|bytes| upload(&app, &token, bytes)))
            .await;
    let mut stored = 0;
    for ((status, body), bytes) in results.iter().zip(&images) {
        match *status {
            StatusCode::CREATED => stored += bytes.len(),
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        stored <= quota,
        "{stored} bytes stored past a quota of {quota}"
    );
    assert!(
        stored > quota - largest,
        "only {stored} of {quota} bytes used"
    );
}

async fn uploading_needs_a_token(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let png = encoded(&picture(8), ImageFormat::Png);
    let (status, body) = send(&app, None, "file", "a.png", "image/png", &png).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["errors"]["token"][0], "is missing");
}

async fn a_body_without_a_file_field_is_refused(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let png = encoded(&picture(9), ImageFormat::Png);
    let (status, body) = send(&app, Some(&token), "avatar", "a.png", "image/png", &png).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"file": ["is missing: send the image as the multipart field `file`"]}})
        )
    );
    let (status, body) = app
        .post("/api/uploads", Some(&token), json!({"file": "aGVsbG8="}))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(
        body["errors"]["body"][0]
            .as_str()
            .unwrap()
            .starts_with("must be multipart/form-data")
    );
}

async fn unknown_uploads_are_404(engine: Engine) {
    let (app, _) = spawn(engine, &[]).await;
    let token = app.register("writer").await;
    let url = uploaded(&app, &token, &encoded(&picture(12), ImageFormat::Png)).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let hash = &path["/uploads/".len()..path.len() - ".png".len()];
    for missing in [
        format!("/uploads/{hash}.jpg"),
        format!("/uploads/{}.png", "0".repeat(64)),
        "/uploads/..%2F..%2Fquill.db".to_string(),
        "/uploads/x".to_string(),
    ] {
        let (status, body) = app.get(&missing, None).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"upload": ["not found"]}})
            ),
            "{missing}"
        );
    }
    // A client holding the current copy gets 304.
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("If-None-Match", format!("\"{hash}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}

/// moto's S3 server on a free port, stopped when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto from `QUILL_MOTO_SERVER` (the `moto_server` that `.ci/run` installs); `None`
/// to skip locally without it. CI must set it.
async fn moto() -> Option<Moto> {
    let server = match std::env::var("QUILL_MOTO_SERVER") {
        Ok(path) if !path.is_empty() => path,
        _ if std::env::var_os("CI").is_some() => panic!("QUILL_MOTO_SERVER must be set in CI"),
        _ => return None,
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {server}: {e}"));
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(&moto.endpoint).send().await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto did not start on port {port}");
}

async fn the_s3_path_stores_in_the_bucket(engine: Engine) {
    let Some(moto) = moto().await else {
        eprintln!("QUILL_MOTO_SERVER is not set: the S3 upload test is skipped");
        return;
    };
    let client = reqwest::Client::new();
    let bucket = "quill-uploads";
    // Public-read, as a bucket that serves a site's images (or its CDN) is.
    let created = client
        .put(format!("{}/{bucket}", moto.endpoint))
        .header("x-amz-acl", "public-read")
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{:?}", created.text().await);
    let (app, data_dir) = spawn(
        engine,
        &[
            ("UPLOADS_S3_BUCKET", bucket),
            ("UPLOADS_S3_ENDPOINT", &moto.endpoint),
            ("UPLOADS_S3_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "quill-test"),
            ("AWS_SECRET_ACCESS_KEY", "quill-test-secret"),
        ],
    )
    .await;
    let token = app.register("writer").await;
    let png = encoded(&picture(13), ImageFormat::Png);
    let url = uploaded(&app, &token, &png).await;
    assert!(
        url.starts_with(&format!("{}/{bucket}/", moto.endpoint)) && url.ends_with(".png"),
        "{url}"
    );
    let (status, headers, bytes) = fetch(&app, &url).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let stored = image::load_from_memory_with_format(&bytes, ImageFormat::Png).unwrap();
    assert_eq!(stored.to_rgb8(), picture(13).to_rgb8());
    assert!(!data_dir.join("uploads").exists(), "stored locally too");
    // The same image again is the same object.
    let (status, body) = upload(&app, &token, &png).await;
    assert_eq!(
        (status, &body["upload"]["url"]),
        (StatusCode::OK, &json!(url))
    );
}
