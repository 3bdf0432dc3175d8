//! The migration vocabulary every module's store uses: each module (and each platform piece)
//! owns a numbered sequence of SQL migrations per engine; the composition root hands the
//! engines the list in dependency order; each engine's runner records `(module, version)`
//! once applied. A database made before modules had their own sequences is adopted once by
//! the engines (see their `migrate` modules).

/// One forward-only step of a module's schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// 1, 2, 3, … within the module, gap-free.
    pub version: u32,
    /// What the step does, as in its file name (`0001_<name>.sql`).
    pub name: &'static str,
    pub sql: &'static str,
}

/// A module's migrations on one engine, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    pub module: &'static str,
    pub steps: &'static [Migration],
}

/// What a runner refuses to start on.
pub fn check_sequence(m: &Migrations) -> Result<(), String> {
    for (i, s) in m.steps.iter().enumerate() {
        if usize::try_from(s.version).ok() != Some(i + 1) {
            return Err(format!("{}: migration {} is out of sequence", m.module, s.version));
        }
    }
    Ok(())
}

/// The versions stored for `module` must be a prefix of the binary's: a database migrated by
/// a newer binary, or by a sequence that was since rewritten, is refused rather than guessed at.
pub fn check_applied(m: &Migrations, applied: &[u32]) -> Result<(), String> {
    for v in applied {
        if !m.steps.iter().any(|s| s.version == *v) {
            return Err(format!(
                "the database has {} migration {v}, which this program does not know: it was made by a newer version",
                m.module
            ));
        }
    }
    Ok(())
}

/// Tests of a module: every file in `dir` is registered in `m`, in order, under its name.
pub fn check_migration_files(dir: &std::path::Path, m: &Migrations) -> std::result::Result<(), String> {
    #[allow(clippy::disallowed_methods)] // test helper, run by `cargo test`, never on the runtime
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<String> =
        entries.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect();
    files.sort();
    check_sequence(m)?;
    if files.len() != m.steps.len() {
        return Err(format!("{} migration files, {} registered: {files:?}", files.len(), m.steps.len()));
    }
    for (f, s) in files.iter().zip(m.steps) {
        let expected = format!("{:04}_{}.sql", s.version, s.name);
        if *f != expected {
            return Err(format!("{f} is registered as {expected}"));
        }
    }
    Ok(())
}

/// The test every module's store crate has: each file in its `migrations/{sqlite,postgres}`
/// folders is registered, in order, under its name, in `sqlite::MIGRATIONS` and
/// `postgres::MIGRATIONS`. Expand it at the crate's root.
// `crate::` is meant: the calling store crate's engine halves.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! migration_files_test {
    () => {
        #[cfg(test)]
        mod migration_files {
            #[test]
            fn all_migration_files_are_registered() {
                for (engine, m) in [("sqlite", crate::sqlite::MIGRATIONS), ("postgres", crate::postgres::MIGRATIONS)] {
                    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
                    assert_eq!($crate::migrate::check_migration_files(&dir, &m), Ok(()), "{engine}");
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Migrations = Migrations {
        module: "m",
        steps: &[Migration { version: 1, name: "a", sql: "" }, Migration { version: 2, name: "b", sql: "" }],
    };

    #[test]
    fn sequences_and_applied_versions_are_checked() {
        assert_eq!(check_sequence(&M), Ok(()));
        let gap = Migrations { module: "m", steps: &[Migration { version: 2, name: "b", sql: "" }] };
        assert!(check_sequence(&gap).is_err());
        assert_eq!(check_applied(&M, &[1]), Ok(()));
        assert_eq!(check_applied(&M, &[1, 2]), Ok(()));
        let newer = check_applied(&M, &[1, 2, 3]).unwrap_err();
        assert!(newer.contains("m migration 3"), "{newer}");
    }
}
