//! The province's Decision 766 point splits: `<data>/ioc-766.json` when it has edited them,
//! else the shipped ones; read and checked once at start-up (groups adding up to 100 points,
//! every indicator known), so a mistake in it stops the server with a message instead of
//! ranking units on a wrong scale.

use anyhow::{anyhow, Result};
use std::path::Path;
use tinhso_ioc::index::{Weights, DEFAULT_WEIGHTS};

/// File name of the province's edited point splits, inside the data directory.
pub const WEIGHTS_FILE: &str = "ioc-766.json";

/// The province's weights file if there is one (checked), else the shipped splits. Read once
/// at start-up, before anything is served.
#[allow(clippy::disallowed_methods)]
pub fn weights(data: &Path) -> Result<Weights> {
    let path = data.join(WEIGHTS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Weights::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Weights::parse(DEFAULT_WEIGHTS).map_err(|e| anyhow!("shipped weights: {e}"))
        }
        Err(e) => Err(anyhow!("{}: {e}", path.display())),
    }
}
