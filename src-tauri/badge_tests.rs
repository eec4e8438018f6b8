//! Tests of the drawn count: labels, the digits' pixels where the font puts
//! them, "9+" for ten and more, and each image drawn once.

use super::*;

const SIZE: usize = 64;

fn pixel(rgba: &[u8], x: usize, y: usize) -> [u8; 4] {
    let i = (y * SIZE + x) * 4;
    [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
}

/// Checks each font cell of `label` at its centre: lit cells white, the
/// others the badge's red.
fn assert_reads(rgba: &[u8], label: &str) {
    let at = layout(SIZE, label);
    let half = at.scale / 2;
    for (n, c) in label.chars().enumerate() {
        let rows = glyph(c).unwrap();
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..GLYPH_W {
                let x = at.text.0 + (n * (GLYPH_W + 1) + col) * at.scale + half;
                let y = at.text.1 + row * at.scale + half;
                let lit = bits & (0b100 >> col) != 0;
                let want = if lit { WHITE } else { RED };
                let got = pixel(rgba, x, y);
                assert_eq!(
                    got,
                    [want[0], want[1], want[2], 255],
                    "{label:?}: {c:?} row {row} col {col} at ({x}, {y})"
                );
            }
        }
    }
}

#[test]
fn labels_stop_at_nine_plus() {
    assert_eq!(label(0), None);
    assert_eq!(label(1).as_deref(), Some("1"));
    assert_eq!(label(9).as_deref(), Some("9"));
    assert_eq!(label(10).as_deref(), Some("9+"));
    assert_eq!(label(12_345).as_deref(), Some("9+"));
}

#[test]
fn every_label_is_drawn_inside_the_icon_and_reads_back() {
    for label in (1..=10).filter_map(label) {
        let mut rgba = vec![0u8; SIZE * SIZE * 4];
        draw(&mut rgba, SIZE, &label);
        assert_reads(&rgba, &label);
        let at = layout(SIZE, &label);
        let (x, y, w, h) = at.badge;
        assert!(x + w <= SIZE && y + h <= SIZE, "{label}: {at:?}");
        // Only the top right is painted: the state's dot (bottom right)
        // and the bell stay as they were.
        assert_eq!(pixel(&rgba, 10, 50), [0, 0, 0, 0]);
        assert_eq!(pixel(&rgba, 50, 50), [0, 0, 0, 0]);
        // The white ring around the badge, for a dark or a light panel.
        let ring = pixel(&rgba, SIZE - 1, y + h / 2);
        assert!(ring[0] > 200 && ring[1] > 200 && ring[3] > 100, "{ring:?}");
    }
}

#[test]
fn the_tray_icon_gets_the_number_and_nine_plus_past_nine() {
    let mut badges = Badges::default();
    let plain = Image::from_bytes(icons::tray_png(TrayLook::Live)).unwrap();
    let none = badges.icon(TrayLook::Live, 0).unwrap();
    assert_eq!(none.rgba(), plain.rgba(), "no badge when nothing is unread");

    let three = badges.icon(TrayLook::Live, 3).unwrap();
    assert_eq!((three.width(), three.height()), (64, 64));
    assert_reads(three.rgba(), "3");
    let nine = badges.icon(TrayLook::Live, 9).unwrap();
    assert_reads(nine.rgba(), "9");
    let ten = badges.icon(TrayLook::Live, 10).unwrap();
    assert_reads(ten.rgba(), "9+");
    assert_ne!(ten.rgba(), nine.rgba());
    let many = badges.icon(TrayLook::Live, 4_000).unwrap();
    assert_eq!(
        many.rgba(),
        ten.rgba(),
        "the same 9+ for any count past nine"
    );
    assert_eq!(badges.drawn(), 4, "0, 3, 9 and 9+ drawn");

    // A flood of refreshes draws nothing again.
    for n in 0..10_000 {
        badges.icon(TrayLook::Live, n % 12).unwrap();
    }
    assert_eq!(badges.drawn(), 11, "nothing, 1 to 9, 9+");
    let offline = badges.icon(TrayLook::Offline, 3).unwrap();
    assert_reads(offline.rgba(), "3");
    assert_ne!(offline.rgba(), three.rgba(), "over each look's own icon");
}

/// `ALORA_BADGE_SAMPLES=<dir>`: writes the drawn icons as raw RGBA
/// (`convert -size 64x64 -depth 8 rgba:FILE out.png`), for the docs.
#[test]
fn samples_for_the_docs() {
    let Some(dir) = std::env::var_os("ALORA_BADGE_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut badges = Badges::default();
    for (look, name) in [(TrayLook::Live, "live"), (TrayLook::Offline, "offline")] {
        for n in [0, 3, 12] {
            let image = badges.icon(look, n).unwrap();
            std::fs::write(dir.join(format!("{name}-{n}.rgba")), image.rgba()).unwrap();
        }
    }
}
