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
