//! A map of the listed reports drawn on the server as SVG: points where they are, the communes'
//! boundaries behind them when the province has loaded them, each point a link to its report.
//! No tiles and no JavaScript, so it shows on any phone; street-level context is the report
//! page's address.

use tinhso_reports::geo::{Point, Territory};

const WIDTH: f64 = 360.0;
const MAX_HEIGHT: f64 = 300.0;
const MARGIN: f64 = 14.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The SVG for `points` ((report id, label, point)), over `areas`; None without points.
pub fn svg(points: &[(i64, String, Point)], areas: &[&Territory]) -> Option<String> {
    let first = points.first()?;
    let (mut la0, mut la1, mut lo0, mut lo1) = (first.2.lat, first.2.lat, first.2.lon, first.2.lon);
    for (_, _, p) in points {
        la0 = la0.min(p.lat);
        la1 = la1.max(p.lat);
        lo0 = lo0.min(p.lon);
        lo1 = lo1.max(p.lon);
    }
    for (a, z, o, w) in areas.iter().filter_map(|t| t.bounds()) {
        la0 = la0.min(a);
        la1 = la1.max(z);
        lo0 = lo0.min(o);
        lo1 = lo1.max(w);
    }
    // At least ~200 m across, so one point is not a whole map.
    let pad = 0.001;
    let (la0, la1, lo0, lo1) = (la0 - pad, la1 + pad, lo0 - pad, lo1 + pad);
    // Equirectangular, longitudes shortened by the cosine of the latitude.
    let k = ((la0 + la1) / 2.0).to_radians().cos();
    let (span_x, span_y) = ((lo1 - lo0) * k, la1 - la0);
    let scale = ((WIDTH - 2.0 * MARGIN) / span_x).min((MAX_HEIGHT - 2.0 * MARGIN) / span_y);
    let height = span_y * scale + 2.0 * MARGIN;
    let x = |lon: f64| MARGIN + (lon - lo0) * k * scale;
    let y = |lat: f64| MARGIN + (la1 - lat) * scale;
    let mut out = format!(
        r##"<svg class="map" viewBox="0 0 {WIDTH:.0} {height:.0}" width="{WIDTH:.0}" height="{height:.0}" role="group" aria-labelledby="map-title"><title id="map-title">Bản đồ vị trí {} phản ánh trong danh sách</title><rect width="100%" height="100%" fill="#f3f2f1"/>"##,
        points.len()
    );
    for t in areas {
        for poly in &t.polygons {
            for ring in poly {
                let d: Vec<String> = ring.iter().map(|(lon, lat)| format!("{:.1},{:.1}", x(*lon), y(*lat))).collect();
                out.push_str(&format!(
                    r##"<polygon points="{}" fill="#ffffff" stroke="#505a5f" stroke-width="1"/>"##,
                    d.join(" ")
                ));
            }
        }
    }
    for (n, (id, label, p)) in points.iter().enumerate() {
        out.push_str(&format!(
            r##"<a href="/phan-anh/{id}" aria-label="{label}"><circle cx="{:.1}" cy="{:.1}" r="9" fill="#1d70b8" stroke="#ffffff" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#ffffff" aria-hidden="true">{}</text></a>"##,
            x(p.lon),
            y(p.lat),
            x(p.lon),
            y(p.lat) + 3.5,
            n + 1,
            label = esc(label),
        ));
    }
    out.push_str("</svg>");
    Some(out)
}

/// The zoom of a report's tile map: streets and buildings.
pub const ZOOM: u32 = 16;

/// Web Mercator tile coordinates of `p` at zoom `z`, with fractions.
pub fn tile_of(p: Point, z: u32) -> (f64, f64) {
    let n = f64::from(1u32 << z.min(24));
    let x = (p.lon + 180.0) / 360.0 * n;
    let y = (1.0 - p.lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x, y)
}

/// A report's place on the configured tile server: the 3 x 3 tiles around it and a pin.
pub fn tiles_svg(tiles: &tinhso_http::state::TileServer, p: Point, label: &str) -> String {
    let (x, y) = tile_of(p, ZOOM);
    let n = 1u32 << ZOOM;
    // Whole tile numbers of an in-range point: 0..2^16, so the casts cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (cx, cy) = (x.floor().clamp(0.0, f64::from(n - 1)) as u32, y.floor().clamp(0.0, f64::from(n - 1)) as u32);
    let mut out = format!(
        r#"<svg class="map" viewBox="0 0 768 768" width="360" height="360" role="group" aria-labelledby="tiles-title"><title id="tiles-title">Bản đồ vị trí {}</title>"#,
        esc(label)
    );
    for dy in 0..3u32 {
        for dx in 0..3u32 {
            let (tx, ty) = ((cx + n + dx - 1) % n, (cy + dy).saturating_sub(1).min(n - 1));
            out.push_str(&format!(
                r#"<image href="{}" x="{}" y="{}" width="256" height="256"/>"#,
                esc(&tiles.url(ZOOM, tx, ty)),
                dx * 256,
                dy * 256
            ));
        }
    }
    let (px, py) = ((x - f64::from(cx) + 1.0) * 256.0, (y - f64::from(cy) + 1.0) * 256.0);
    out.push_str(&format!(
        r##"<circle cx="{px:.1}" cy="{py:.1}" r="14" fill="#d4351c" stroke="#ffffff" stroke-width="4"/></svg>"##
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_are_those_the_slippy_map_convention_names() {
        // Hoàn Kiếm lake at zoom 16: 52038.169, 28850.924 by the OpenStreetMap wiki's formula
        // (x = (lon + 180) / 360 · 2^z, y = (1 − ln(tan φ + sec φ) / π) / 2 · 2^z), computed apart.
        let (x, y) = tile_of(Point::new(21.0285, 105.8542).unwrap(), 16);
        assert!((x - 52_038.169).abs() < 1e-3 && (y - 28_850.924).abs() < 1e-3, "{x} {y}");
        let t = tinhso_http::state::TileServer::parse("https://tile.example.vn/{z}/{x}/{y}.png").unwrap();
        let svg = tiles_svg(&t, Point::new(21.0285, 105.8542).unwrap(), "PA-1");
        assert!(svg.contains(r#"href="https://tile.example.vn/16/52038/28850.png" x="256" y="256""#), "{svg}");
        assert!(svg.contains(r#"href="https://tile.example.vn/16/52037/28849.png" x="0" y="0""#));
        assert!(tinhso_http::state::TileServer::parse("javascript:alert(1)").is_err());
        assert!(tinhso_http::state::TileServer::parse("https://x.vn/{z}/{x}.png").is_err());
        assert!(tinhso_http::state::TileServer::parse("https://x.vn/{z}/{x}/{y}.png\"onload=").is_err());
    }

    #[test]
    fn points_land_inside_the_picture_and_link_to_their_reports() {
        let p = |lat, lon| Point::new(lat, lon).unwrap();
        let s = svg(&[(1, "PA-1 <ổ gà>".into(), p(21.8, 105.2)), (2, "PA-2".into(), p(21.9, 105.3))], &[]).unwrap();
        assert!(s.contains(r#"href="/phan-anh/1" aria-label="PA-1 &lt;ổ gà&gt;""#));
        let xs: Vec<f64> = s.split(r#"cx=""#).skip(1).map(|v| v.split('"').next().unwrap().parse().unwrap()).collect();
        assert!(xs.iter().all(|x| (MARGIN..=WIDTH - MARGIN).contains(x)), "{xs:?}");
        assert!(xs[0] < xs[1], "east is right");
        assert!(svg(&[], &[]).is_none());
    }
}
