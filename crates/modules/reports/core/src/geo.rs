//! Distances on the ground, for nearby duplicates: the haversine formula on the WGS 84 mean
//! radius, and the latitude/longitude box a store can search by index before measuring.

use serde::{Deserialize, Serialize};

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point given by a phone's GPS, a map pin or a photo's EXIF.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// A point, if the coordinates are finite and on the globe.
    pub fn new(lat: f64, lon: f64) -> Option<Self> {
        (lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(Self { lat, lon })
    }
}

/// Whether `p` lies within Việt Nam's extent, its islands included (6°–24° N, 101.5°–118° E).
/// A point outside belongs to no province: coordinates swapped or mistyped, or a receiver
/// without a fix (which reports 0, 0). Without the province's boundaries loaded this is the only
/// check a place gets, so such a report would otherwise wait in the province's triage queue.
pub fn in_viet_nam(p: Point) -> bool {
    (6.0..=24.0).contains(&p.lat) && (101.5..=118.0).contains(&p.lon)
}

/// Metres between two points along the surface.
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A box holding every point within `radius_m` of `c`: (min lat, max lat, min lon, max lon).
/// Searching it by index and then measuring finds exactly the points within the radius.
pub fn bounding_box(c: Point, radius_m: f64) -> (f64, f64, f64, f64) {
    let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
    // Longitude degrees shrink with latitude; near the poles the box spans every longitude.
    let cos = c.lat.to_radians().cos();
    let dlon = if cos < 1e-6 { 180.0 } else { (radius_m / (EARTH_RADIUS_M * cos)).to_degrees().min(180.0) };
    (c.lat - dlat, c.lat + dlat, c.lon - dlon, c.lon + dlon)
}

/// How near an open report of the same category must be to be offered as a duplicate.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;

/// A polygon as GeoJSON gives it: rings of (longitude, latitude), the first the outer boundary,
/// the others holes.
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// A commune's territory: one or more polygons (islands, enclaves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Territory {
    pub polygons: Vec<Polygon>,
}

impl Territory {
    /// Whether `p` lies inside (on the outer ring of a polygon, outside its holes).
    pub fn contains(&self, p: Point) -> bool {
        self.polygons.iter().any(|poly| {
            let mut rings = poly.iter();
            rings.next().is_some_and(|outer| in_ring(outer, p)) && !rings.any(|hole| in_ring(hole, p))
        })
    }

    /// (min lat, max lat, min lon, max lon) of every ring.
    pub fn bounds(&self) -> Option<(f64, f64, f64, f64)> {
        let pts = self.polygons.iter().flatten().flatten();
        pts.fold(None, |b, &(lon, lat)| {
            Some(match b {
                None => (lat, lat, lon, lon),
                Some((a, z, o, w)) => (f64::min(a, lat), f64::max(z, lat), f64::min(o, lon), f64::max(w, lon)),
            })
        })
    }
}

/// Even-odd ray casting; points on an edge may fall either way (communes share edges).
fn in_ring(ring: &[(f64, f64)], p: Point) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[(i + n - 1) % n];
        if (yi > p.lat) != (yj > p.lat) && p.lon < (xj - xi) * (p.lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// The commune whose territory holds `p`, if one does.
pub fn commune_at(boundaries: &[(u32, Territory)], p: Point) -> Option<u32> {
    boundaries.iter().find(|(_, t)| t.contains(p)).map(|(c, _)| *c)
}

/// Communes' boundaries from a GeoJSON FeatureCollection: each feature's commune code from its
/// properties (`code`, `ma`, `ma_xa` or `MaXa`, a number or a numeric string), its geometry a
/// Polygon or MultiPolygon. Every problem is named; nothing is returned unless all are right.
pub fn parse_boundaries(geojson: &str, known: &[u32]) -> Result<Vec<(u32, Territory)>, Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(geojson).map_err(|e| vec![format!("không phải JSON: {e}")])?;
    let Some(features) = v.get("features").and_then(|f| f.as_array()) else {
        return Err(vec!["cần một FeatureCollection có \"features\"".into()]);
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties");
        let code = ["code", "ma", "ma_xa", "MaXa"].iter().find_map(|k| {
            let c = props?.get(*k)?;
            c.as_u64().and_then(|n| u32::try_from(n).ok()).or_else(|| c.as_str()?.trim().parse().ok())
        });
        let Some(code) = code else {
            problems.push(format!("đối tượng {}: thiếu mã xã (properties.code)", i + 1));
            continue;
        };
        if !known.contains(&code) {
            problems.push(format!("đối tượng {}: mã {code} không phải xã, phường của tỉnh", i + 1));
            continue;
        }
        let geometry = f.get("geometry");
        let kind = geometry.and_then(|g| g.get("type")).and_then(|t| t.as_str());
        let coords = geometry.and_then(|g| g.get("coordinates")).cloned().unwrap_or(serde_json::Value::Null);
        let polygons: Option<Vec<Polygon>> = match kind {
            Some("Polygon") => serde_json::from_value::<Vec<Vec<(f64, f64)>>>(coords).ok().map(|p| vec![p]),
            Some("MultiPolygon") => serde_json::from_value::<Vec<Polygon>>(coords).ok(),
            _ => None,
        };
        match polygons {
            Some(p) if !p.is_empty() && p.iter().all(|poly| poly.first().is_some_and(|r| r.len() >= 4)) => {
                if out.iter().any(|(c, _)| *c == code) {
                    problems.push(format!("đối tượng {}: mã {code} xuất hiện hai lần", i + 1));
                } else {
                    out.push((code, Territory { polygons: p }));
                }
            }
            _ => problems.push(format!("đối tượng {}: hình học phải là Polygon hoặc MultiPolygon hợp lệ", i + 1)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
