//! The province's digital-transformation framework file: `<data>/dti-framework.json`, one
//! framework for every unit or one for each group (`{"department": …, "commune": …}`), read and
//! checked once at start-up (pillars adding up to their points, 1,000 in all), so a mistake in it
//! stops the server with a message instead of opening a round nobody can score.

use anyhow::{anyhow, Result};
use std::path::Path;
use tinhso_dti::Frameworks;

/// File name of the province's framework, inside the data directory.
pub const FRAMEWORK_FILE: &str = "dti-framework.json";

/// The province's frameworks if it has a file (checked), else `None` (the shipped one).
#[allow(clippy::disallowed_methods)]
pub fn frameworks(data: &Path) -> Result<Option<Frameworks>> {
    let path = data.join(FRAMEWORK_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Frameworks::parse(&text).map(Some).map_err(|e| anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("{}: {e}", path.display())),
    }
}
