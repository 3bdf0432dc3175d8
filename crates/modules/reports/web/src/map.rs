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

#[cfg(test)]
mod tests {
    use super::*;

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
