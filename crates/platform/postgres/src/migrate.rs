//! The migration runner: each module's forward-only migrations, in the order the composition
//! root lists the modules, one transaction per migration, recorded as `(module, version)` in
//! `module_migration`, all under an advisory lock so that several servers can start against
//! one database at once. A database made when the whole schema was one sequence is adopted
//! once (see [`legacy`]).

mod legacy;

use crate::map_err;
use deadpool_postgres::Object;
use tinhso_store::migrate::{check_applied, check_sequence, Migration, Migrations};
use tinhso_store::{Result, StoreError};

/// Arbitrary key of the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x7469_6e68_736f;

/// A platform piece whose tables are one migration so far.
macro_rules! piece {
    ($module:literal) => {
        Migrations {
            module: $module,
            steps: &[Migration {
                version: 1,
                name: $module,
                sql: include_str!(concat!("../migrations/", $module, "/0001_", $module, ".sql")),
            }],
        }
    };
}

/// The platform pieces' tables on this engine, in the order they depend on each other. The
/// composition root lists them before the modules'.
pub const PLATFORM: [Migrations; 7] = [piece!("province"), IDENTITY, FILES, NOTIFY, LEDGER, GUARD, piece!("schedule")];

/// The abuse limits' tallies, then the rule each counts under.
const GUARD: Migrations = Migrations {
    module: "guard",
    steps: &[
        Migration { version: 1, name: "guard", sql: include_str!("../migrations/guard/0001_guard.sql") },
        Migration { version: 2, name: "guard_rule", sql: include_str!("../migrations/guard/0002_guard_rule.sql") },
    ],
};

/// File records, file contents in the database, the upload limits the province admin sets.
const FILES: Migrations = Migrations {
    module: "files",
    steps: &[
        Migration { version: 1, name: "files", sql: include_str!("../migrations/files/0001_files.sql") },
        Migration { version: 2, name: "content", sql: include_str!("../migrations/files/0002_content.sql") },
        Migration {
            version: 3,
            name: "upload_limits",
            sql: include_str!("../migrations/files/0003_upload_limits.sql"),
        },
    ],
};

/// The chain, then its lanes and the provincial checkpoint chain, then the entries of
/// histories other than dossiers', then the audit's record of its runs.
const LEDGER: Migrations = Migrations {
    module: "ledger",
    steps: &[
        Migration { version: 1, name: "ledger", sql: include_str!("../migrations/ledger/0001_ledger.sql") },
        Migration { version: 2, name: "lanes", sql: include_str!("../migrations/ledger/0002_lanes.sql") },
        Migration { version: 3, name: "entries", sql: include_str!("../migrations/ledger/0003_entries.sql") },
        Migration { version: 4, name: "audit_run", sql: include_str!("../migrations/ledger/0004_audit_run.sql") },
    ],
};

/// Accounts and sessions, then the walk-in claim codes, then email reset codes, then passwords to be
/// changed, then the staff accounts made before the administrators' log.
const IDENTITY: Migrations = Migrations {
    module: "identity",
    steps: &[
        Migration { version: 1, name: "identity", sql: include_str!("../migrations/identity/0001_identity.sql") },
        Migration {
            version: 2,
            name: "account_claim",
            sql: include_str!("../migrations/identity/0002_account_claim.sql"),
        },
        Migration {
            version: 3,
            name: "password_reset",
            sql: include_str!("../migrations/identity/0003_password_reset.sql"),
        },
        Migration {
            version: 4,
            name: "must_change_password",
            sql: include_str!("../migrations/identity/0004_must_change_password.sql"),
        },
        Migration {
            version: 5,
            name: "staff_before_log",
            sql: include_str!("../migrations/identity/0005_staff_before_log.sql"),
        },
        Migration { version: 6, name: "login_proof", sql: include_str!("../migrations/identity/0006_login_proof.sql") },
    ],
};

/// The outbox, then messages sent by email only, then how far each inbox was read.
const NOTIFY: Migrations = Migrations {
    module: "notify",
    steps: &[
        Migration { version: 1, name: "notify", sql: include_str!("../migrations/notify/0001_notify.sql") },
        Migration { version: 2, name: "email_only", sql: include_str!("../migrations/notify/0002_email_only.sql") },
        Migration { version: 3, name: "inbox_read", sql: include_str!("../migrations/notify/0003_inbox_read.sql") },
        Migration { version: 4, name: "english", sql: include_str!("../migrations/notify/0004_english.sql") },
        Migration { version: 5, name: "texts", sql: include_str!("../migrations/notify/0005_texts.sql") },
    ],
};

pub async fn run(client: &mut Object, modules: &[Migrations]) -> Result<()> {
    for m in modules {
        check_sequence(m).map_err(StoreError::Backend)?;
    }
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(map_err)?;
    let result = locked(client, modules).await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await.map_err(map_err)?;
    result
}

async fn locked(client: &mut Object, modules: &[Migrations]) -> Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS module_migration (
                 module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL,
                 PRIMARY KEY (module, version))",
        )
        .await
        .map_err(map_err)?;
    legacy::adopt(client).await?;
    for m in modules {
        let rows = client
            .query("SELECT version FROM module_migration WHERE module = $1 ORDER BY version", &[&m.module])
            .await
            .map_err(map_err)?;
        let applied: Vec<u32> = rows.iter().filter_map(|r| u32::try_from(r.get::<_, i32>(0)).ok()).collect();
        check_applied(m, &applied).map_err(StoreError::Backend)?;
        for step in m.steps.iter().filter(|s| !applied.contains(&s.version)) {
            let tx = client.transaction().await.map_err(map_err)?;
            tx.batch_execute(step.sql).await.map_err(|e| {
                StoreError::Backend(format!("migration {} {:04}_{}: {e}", m.module, step.version, step.name))
            })?;
            let version = i32::try_from(step.version).map_err(|_| StoreError::Backend("migration version".into()))?;
            tx.execute(
                "INSERT INTO module_migration (module, version, name, applied_at) VALUES ($1, $2, $3, now())",
                &[&m.module, &version, &step.name],
            )
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PLATFORM;

    /// Every file in each platform piece's folder is registered, in order, under its name.
    #[test]
    fn all_migration_files_are_registered() {
        for m in &PLATFORM {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(m.module);
            assert_eq!(tinhso_store::migrate::check_migration_files(&dir, m), Ok(()));
        }
    }
}
