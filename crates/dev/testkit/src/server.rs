//! Starts the real `tinhso` binary on port 0 against a fresh database.

use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backends the suite covers. PostgreSQL needs `TINHSO_TEST_PG` (set by `scripts/test`);
    /// without it the suite fails rather than silently testing less.
    pub fn pg_admin_url() -> Option<String> {
        std::env::var("TINHSO_TEST_PG").ok().filter(|u| !u.is_empty())
    }
}

fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

/// A loopback port free now, for a server that must know its own address before it starts
/// (an e-ID provider's way back, a public URL). Taken below Linux's ephemeral range
/// (32768-60999), never from port 0: a port the kernel hands out by `bind(0)` and frees again is
/// soon handed to a parallel test's listener or outgoing connection, and the server then fails
/// with "address already in use" (seen once in a full run). Here only another test drawing the
/// same one of 12,000 ports, in the moment between this check and its server's bind, collides.
pub fn free_port() -> Result<u16> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static DRAWN: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut x = (u64::from(std::process::id()) << 32) ^ u64::from(nanos) ^ DRAWN.fetch_add(1, Ordering::Relaxed);
    for _ in 0..200 {
        // splitmix64: spreads the seed over the range.
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let port = 20_000 + u16::try_from(z % 12_000).unwrap_or(0);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no free loopback port between 20000 and 32000")
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_pg_database() -> Result<String> {
    let admin = match Backend::pg_admin_url() {
        Some(u) => u,
        None => bail!("TINHSO_TEST_PG is not set: run the tests with scripts/test, which starts PostgreSQL"),
    };
    let (client, conn) =
        tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.context("connect to TINHSO_TEST_PG")?;
    tokio::spawn(conn);
    let name = unique("tinhso_test");
    client.batch_execute(&format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")).await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).ok_or_else(|| anyhow!("bad TINHSO_TEST_PG"))?;
    Ok(format!("{base}/{name}"))
}

/// A fresh, empty data directory under the system temp dir.
pub fn fresh_data_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(unique("tinhso-data"));
    #[allow(clippy::disallowed_methods)] // test set-up, before any server runs
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub struct TestServer {
    pub url: String,
    pub data: PathBuf,
    pub database: Option<String>,
    pub backend: Backend,
    child: Child,
    /// Everything the server printed on stdout before it was ready (demo accounts, the banner).
    pub banner: String,
}

impl TestServer {
    /// Starts `tinhso serve` on a fresh database of `backend`, with the demo province.
    pub async fn start(backend: Backend, bin: &Path) -> Result<Self> {
        let data = fresh_data_dir()?;
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_database().await?),
        };
        Self::start_on(backend, bin, data, database, &[]).await
    }

    /// Starts `tinhso serve` on an existing data directory / database.
    pub async fn start_on(
        backend: Backend,
        bin: &Path,
        data: PathBuf,
        database: Option<String>,
        extra: &[&str],
    ) -> Result<Self> {
        Self::start_listening(backend, bin, data, database, "127.0.0.1:0", extra).await
    }

    /// A server listening on `listen` (port 0: any free port).
    pub async fn start_listening(
        backend: Backend,
        bin: &Path,
        data: PathBuf,
        database: Option<String>,
        listen: &str,
        extra: &[&str],
    ) -> Result<Self> {
        Self::start_with_env(backend, bin, data, database, listen, extra, &[]).await
    }
    /// The same, with environment variables for the server process (a fault-injecting
    /// `LD_PRELOAD`, say).
    pub async fn start_with_env(
        backend: Backend,
        bin: &Path,
        data: PathBuf,
        database: Option<String>,
        listen: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.arg("serve").arg("--listen").arg(listen).arg("--data").arg(&data).args(extra);
        cmd.envs(env.iter().copied());
        if let Some(db) = &database {
            cmd.arg("--database").arg(db);
        }
        // No demo history unless a test asks for it with --demo-dossiers: stories count events.
        cmd.env("RUST_LOG", "warn")
            .env("TINHSO_DEMO_DOSSIERS", "0")
            // Nor the province's own open data, which adds datasets (and ledger entries) of its
            // own: the stories that want it ask with --open-data-hours.
            .env("TINHSO_OPEN_DATA_HOURS", "0")
            // Nor the daily integrity check at start (it would race the stories that tamper
            // with the database on purpose): the integrity story asks with --audit-hours.
            .env("TINHSO_AUDIT_HOURS", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| format!("spawn {}", bin.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = String::new();
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                banner.push_str(&line);
                banner.push('\n');
                if let Some(i) = line.find("http://") {
                    let url = line[i..].split_whitespace().next().unwrap_or_default().to_owned();
                    return Ok::<String, anyhow::Error>(url);
                }
            }
            bail!("server exited before it was ready:\n{banner}")
        })
        .await
        .context("server did not start within 60 s")??;
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { url, data, database, backend, child, banner })
    }

    /// A client with its own cookie jar, as one browser would have.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build().unwrap_or_default()
    }

    /// Arguments that point a CLI command at this server's data.
    pub fn data_args(&self) -> Vec<String> {
        let mut a = vec!["--data".to_owned(), self.data.display().to_string()];
        if let Some(db) = &self.database {
            a.push("--database".to_owned());
            a.push(db.clone());
        }
        a
    }

    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Waits up to `within` for the server to exit by itself; its exit code, or None if it
    /// is still running.
    pub async fn exited(&mut self, within: Duration) -> Result<Option<i32>> {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => Ok(Some(status?.code().unwrap_or(-1))),
            Err(_) => Ok(None),
        }
    }
}

/// Runs the `tinhso` CLI to completion; returns (exit code, stdout, stderr). Returns once a
/// running server on the same SQLite file must see what the command wrote: its pooled readers
/// see another process's commit within `tinhso_sqlite::MAX_STALE` (the product's promise to
/// operators), so a test's next request cannot race that window.
pub async fn run_cli(bin: &Path, args: &[String]) -> Result<(i32, String, String)> {
    let out = Command::new(bin).args(args).env("RUST_LOG", "warn").output().await?;
    tokio::time::sleep(2 * tinhso_sqlite::MAX_STALE).await;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

impl TestServer {
    /// Runs SQL directly on the server's database, behind the platform's back (to test that
    /// tampering is detected).
    pub async fn exec_sql(&self, sql: &str) -> Result<u64> {
        match &self.database {
            Some(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                tokio::spawn(conn);
                Ok(client.execute(sql, &[]).await?)
            }
            None => {
                let conn = rusqlite::Connection::open(self.data.join("tinhso.db"))?;
                conn.busy_timeout(Duration::from_secs(5))?;
                Ok(conn.execute(sql, [])? as u64)
            }
        }
    }

    /// One number read directly from the server's database (a query of one row, one column).
    pub async fn query_i64(&self, sql: &str) -> Result<i64> {
        match &self.database {
            Some(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                tokio::spawn(conn);
                Ok(client.query_one(sql, &[]).await?.get::<_, i64>(0))
            }
            None => {
                let conn = rusqlite::Connection::open(self.data.join("tinhso.db"))?;
                conn.busy_timeout(Duration::from_secs(5))?;
                Ok(conn.query_row(sql, [], |r| r.get(0))?)
            }
        }
    }

    /// Runs several statements in one session, foreign keys not enforced (as a database owner
    /// could): to take a row away that other tables still name.
    pub async fn exec_sql_unchecked(&self, sql: &str) -> Result<()> {
        match &self.database {
            Some(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                tokio::spawn(conn);
                Ok(client.batch_execute(&format!("SET session_replication_role = replica; {sql}")).await?)
            }
            None => {
                let conn = rusqlite::Connection::open(self.data.join("tinhso.db"))?;
                conn.busy_timeout(Duration::from_secs(5))?;
                Ok(conn.execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}"))?)
            }
        }
    }
}

/// Registers a citizen through the registration form, as a person would; returns the client,
/// logged in.
pub async fn register_citizen(
    base: &str,
    full_name: &str,
    login: &str,
    personal_id: &str,
    password: &str,
) -> Result<reqwest::Client> {
    register_claiming(base, full_name, login, personal_id, password, "").await
}

/// Registers on a server that proves logins (an SMS gateway or SMTP relay configured): the form,
/// then the code `code` finds where it was sent (polled for up to 30 s: the gateway's log, the
/// relay's mailbox), then the account made and signed in. Returns that browser.
pub async fn register_proving(
    base: &str,
    full_name: &str,
    login: &str,
    personal_id: &str,
    password: &str,
    code: impl Fn() -> Option<String>,
) -> Result<reqwest::Client> {
    let c = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build()?;
    let html = c.get(format!("{base}/dang-ky")).send().await?.text().await?;
    let token = csrf_of(&html)?;
    let fields = [("csrf", token.as_str()), ("full_name", full_name), ("login", login), ("personal_id", personal_id)];
    let r = c.post(format!("{base}/dang-ky")).form(&[&fields[..], &[("password", password)]].concat()).send().await?;
    let page = r.text().await?;
    if !page.contains("action=\"/dang-ky/xac-nhan\"") {
        bail!("registration of {login} did not ask for a code:\n{page}");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let sent = loop {
        if let Some(sent) = code() {
            break sent;
        }
        if std::time::Instant::now() > deadline {
            bail!("no code reached {login}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let token = csrf_of(&page)?;
    let r = c
        .post(format!("{base}/dang-ky/xac-nhan"))
        .form(&[("csrf", token.as_str()), ("login", login), ("ma", sent.as_str())])
        .send()
        .await?;
    if !r.status().is_success() || r.url().path() == "/dang-ky/xac-nhan" {
        bail!("the code for {login} answered {}: {}", r.status(), r.text().await.unwrap_or_default());
    }
    Ok(c)
}

/// The first six-digit number after `marker` in `text` (a registration code in a text or mail).
pub fn code_after(text: &str, marker: &str) -> Option<String> {
    let rest = text.split(marker).nth(1)?;
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 6).then_some(digits)
}

/// The CSRF token of the (first) form on a page.
pub fn csrf_of(html: &str) -> Result<String> {
    let at = html.find("name=\"csrf\" value=\"").ok_or_else(|| anyhow!("no csrf field"))? + 19;
    Ok(html[at..].split('"').next().unwrap_or_default().to_owned())
}

/// The same, with the activation code of an account the desk opened (printed on the receipt).
pub async fn register_claiming(
    base: &str,
    full_name: &str,
    login: &str,
    personal_id: &str,
    password: &str,
    claim_code: &str,
) -> Result<reqwest::Client> {
    let c = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build()?;
    let html = c.get(format!("{base}/dang-ky")).send().await?.text().await?;
    let token = csrf_of(&html)?;
    let r = c
        .post(format!("{base}/dang-ky"))
        .form(&[
            ("csrf", token.as_str()),
            ("full_name", full_name),
            ("login", login),
            ("personal_id", personal_id),
            ("password", password),
            ("ma_kich_hoat", claim_code),
        ])
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("registration of {login} answered {}", r.status());
    }
    Ok(c)
}
