//! The tray's count, drawn at run time: a red badge with white digits (from
//! a 3×5 bitmap font built in here, no font file) over the top right of the
//! state's icon, where the unread dot was, "9+" past nine. Each look and
//! label is drawn once and kept: at most 4 looks × 11 labels.

use std::collections::HashMap;

use tauri::image::Image;

use crate::icons::{self, TrayLook};

/// What the badge says for `count` unread: nothing at 0, "9+" past nine.
pub fn label(count: usize) -> Option<String> {
    match count {
        0 => None,
        1..=9 => Some(count.to_string()),
        _ => Some("9+".to_owned()),
    }
}

const GLYPH_W: usize = 3;
const GLYPH_H: usize = 5;
pub const RED: [u8; 3] = [0xE5, 0x39, 0x35];
pub const WHITE: [u8; 3] = [0xFF, 0xFF, 0xFF];

/// A glyph's rows, the top first; bit 2 is the left column.
fn glyph(c: char) -> Option<[u8; GLYPH_H]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b011, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        _ => return None,
    })
}

/// Where the badge and its text go on a `size`-pixel icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// One font pixel, in icon pixels.
    pub scale: usize,
    /// The badge (inside its white ring): left, top, width, height.
    pub badge: (usize, usize, usize, usize),
    /// The text's top left corner.
    pub text: (usize, usize),
}

pub fn layout(size: usize, label: &str) -> Layout {
    let scale = (size / 16).max(1);
    let chars = label.chars().count();
    let text_w = (chars * (GLYPH_W + 1)).saturating_sub(1) * scale;
    let text_h = GLYPH_H * scale;
    let height = text_h + 2 * scale;
    let width = height.max(text_w + 2 * scale);
    let ring = scale / 2;
    let left = size.saturating_sub(width + ring);
    Layout {
        scale,
        badge: (left, ring, width, height),
        text: (left + (width - text_w) / 2, ring + scale),
    }
}

/// Blends `color` at `alpha` (0..=1) over the pixel at `i` (straight alpha).
fn blend(rgba: &mut [u8], i: usize, color: [u8; 3], alpha: f32) {
    let Some(px) = rgba.get_mut(i..i + 4) else {
        return;
    };
    let below = f32::from(px[3]) / 255.0;
    let out = alpha + below * (1.0 - alpha);
    if out <= 0.0 {
        return;
    }
    for (channel, paint) in px[..3].iter_mut().zip(color) {
        let mixed = f32::from(paint) * alpha + f32::from(*channel) * below * (1.0 - alpha);
        *channel = (mixed / out).round().clamp(0.0, 255.0) as u8;
    }
    px[3] = (out * 255.0).round().clamp(0.0, 255.0) as u8;
}

/// Fills a stadium (a pill; a disc when square) grown by `grow` pixels,
/// with its edge smoothed by 4×4 samples per pixel.
fn pill(
    rgba: &mut [u8],
    size: usize,
    (x, y, w, h): (usize, usize, usize, usize),
    grow: f32,
    color: [u8; 3],
) {
    let r = h as f32 / 2.0;
    let cy = y as f32 + r;
    let (cx1, cx2) = (x as f32 + r, (x + w) as f32 - r);
    let reach = r + grow;
    for py in 0..size {
        for px in 0..size {
            let mut inside = 0;
            for s in 0..16 {
                let sx = px as f32 + (s % 4) as f32 / 4.0 + 0.125;
                let sy = py as f32 + (s / 4) as f32 / 4.0 + 0.125;
                let dx = sx - sx.clamp(cx1, cx2);
                let dy = sy - cy;
                if dx * dx + dy * dy <= reach * reach {
                    inside += 1;
                }
            }
            if inside > 0 {
                blend(rgba, (py * size + px) * 4, color, inside as f32 / 16.0);
            }
        }
    }
}

/// Draws the badge saying `label` onto a square RGBA image `size` wide.
pub fn draw(rgba: &mut [u8], size: usize, label: &str) {
    if rgba.len() < size * size * 4 {
        return;
    }
    let at = layout(size, label);
    let ring = at.scale as f32 / 2.0;
    pill(rgba, size, at.badge, ring, WHITE);
    pill(rgba, size, at.badge, 0.0, RED);
    let mut left = at.text.0;
    for rows in label.chars().filter_map(glyph) {
        for (row, bits) in rows.iter().enumerate() {
            for col in (0..GLYPH_W).filter(|c| bits & (0b100 >> c) != 0) {
                for dy in 0..at.scale {
                    for dx in 0..at.scale {
                        let x = left + col * at.scale + dx;
                        let y = at.text.1 + row * at.scale + dy;
                        if x < size && y < size {
                            blend(rgba, (y * size + x) * 4, WHITE, 1.0);
                        }
                    }
                }
            }
        }
        left += (GLYPH_W + 1) * at.scale;
    }
}

/// The images drawn so far, touched on the main thread only.
#[derive(Debug, Default)]
pub struct Badges {
    drawn: HashMap<(TrayLook, Option<String>), Image<'static>>,
}

impl Badges {
    /// The tray icon for `look` with `count` unread, drawn the first time.
    pub fn icon(&mut self, look: TrayLook, count: usize) -> tauri::Result<Image<'static>> {
        let key = (look, label(count));
        if let Some(image) = self.drawn.get(&key) {
            return Ok(image.clone());
        }
        let base = Image::from_bytes(icons::tray_png(look))?;
        let (w, h) = (base.width(), base.height());
        let mut rgba = base.rgba().to_vec();
        if let (Some(text), true) = (&key.1, w == h) {
            draw(&mut rgba, w as usize, text);
        }
        let image = Image::new_owned(rgba, w, h);
        self.drawn.insert(key, image.clone());
        Ok(image)
    }

    /// How many images are kept (tests).
    #[cfg(test)]
    pub(crate) fn drawn(&self) -> usize {
        self.drawn.len()
    }
}

#[cfg(test)]
#[path = "badge_tests.rs"]
mod tests;
