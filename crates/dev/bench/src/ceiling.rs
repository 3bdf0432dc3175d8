//! The machine's ceilings, measured with the same load generator as the product: minimal
//! programs on the same stack (tokio, axum, SQLite in WAL with synchronous=FULL). Not product code.

use anyhow::Result;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use rusqlite::{params, Connection};
use std::io::Write;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Raw fsync/s of one thread rewriting one byte and calling fdatasync, for `secs`.
pub fn fsync_per_second(dir: &std::path::Path, secs: u64) -> Result<f64> {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(&path)?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        f.write_all(b"x")?;
        f.sync_data()?;
        n += 1;
    }
    std::fs::remove_file(&path)?;
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Durable writes of a `size`-byte file per second, as an upload does: write, fsync, rename,
/// fsync the directory; `threads` at once.
pub fn file_writes_per_second(dir: &std::path::Path, size: usize, threads: usize, secs: u64) -> Result<f64> {
    let stop = Instant::now() + Duration::from_secs(secs);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let dir = dir.join(format!("files-probe-{t}"));
            std::thread::spawn(move || -> std::io::Result<u64> {
                std::fs::create_dir_all(&dir)?;
                let mut n = 0u64;
                let mut bytes = vec![b'0'; size];
                while Instant::now() < stop {
                    bytes[..8].copy_from_slice(&n.to_le_bytes());
                    let tmp = dir.join("tmp");
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(&bytes)?;
                    f.sync_all()?;
                    std::fs::rename(&tmp, dir.join(format!("f{n}")))?;
                    std::fs::File::open(&dir)?.sync_all()?;
                    n += 1;
                }
                std::fs::remove_dir_all(&dir)?;
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().map_err(|_| anyhow::anyhow!("probe thread panicked"))??;
    }
    Ok(total as f64 / secs as f64)
}

fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    // Memory-mapped reads, as the product's readers do.
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; \
         PRAGMA mmap_size = 1099511627776;",
    )?;
    Ok(c)
}

type Pending = (String, tokio::sync::oneshot::Sender<bool>);

/// `POST /insert`: one durable row per request, acknowledged after a group commit.
async fn insert(State(tx): State<mpsc::Sender<Pending>>, body: String) -> StatusCode {
    let (ack, done) = tokio::sync::oneshot::channel();
    if tx.send((body, ack)).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    match done.await {
        Ok(true) => StatusCode::CREATED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

type Readers = Arc<(std::path::PathBuf, Mutex<Vec<Connection>>)>;

/// `GET /read/{id}`: one row by primary key, from a pool of read connections, on the request's
/// own thread (the cheapest way this machine serves a point read; the product does the same).
async fn read(State(pool): State<Readers>, Path(id): Path<i64>) -> Result<String, StatusCode> {
    let conn = pool.1.lock().ok().and_then(|mut p| p.pop());
    let conn = match conn {
        Some(c) => c,
        None => open(&pool.0).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?,
    };
    // A statement prepared once per connection, as the product's reads are.
    let row: rusqlite::Result<String> = conn
        .prepare_cached("SELECT payload FROM item WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| r.get(0)));
    if let Ok(mut p) = pool.1.lock() {
        p.push(conn);
    }
    row.map_err(|_| StatusCode::NOT_FOUND)
}

/// `POST /api/v1/lookup` on the product's own database file: the request the product's public
/// lookup gets (`{"code", "phone"}` as JSON), the same row found by the same text key through the
/// same covering index, its state and phone read as the product reads them, and a fixed short answer when
/// the phone matches. Nothing else: no abuse tally, no parse of the dossier, no middleware. So it
/// bounds the product's lookup on the very data the product serves.
async fn lookup(State(pool): State<Readers>, body: axum::body::Bytes) -> Result<&'static str, StatusCode> {
    let q: serde_json::Value = serde_json::from_slice(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let (Some(code), Some(phone)) = (q["code"].as_str(), q["phone"].as_str()) else {
        return Err(StatusCode::BAD_REQUEST);
    };
    let conn = pool.1.lock().ok().and_then(|mut p| p.pop());
    let conn = match conn {
        Some(c) => c,
        None => open(&pool.0).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?,
    };
    let row: rusqlite::Result<(String, Option<String>)> = conn
        .prepare_cached("SELECT state, applicant_phone FROM dossier INDEXED BY dossier_standing WHERE code = ?1")
        .and_then(|mut st| st.query_row([code], |r| Ok((r.get(0)?, r.get(1)?))));
    if let Ok(mut p) = pool.1.lock() {
        p.push(conn);
    }
    match row {
        Ok((state, Some(p))) if p == phone && !state.is_empty() => Ok("{\"found\":true}"),
        _ => Err(StatusCode::NOT_FOUND),
    }
}

/// Runs the ceiling server on port 0 with a database in `dir` (and, with `dossiers`, the
/// product's database for the lookup ceiling); prints its URL.
pub async fn serve(dir: std::path::PathBuf, rows: i64, dossiers: Option<std::path::PathBuf>) -> Result<()> {
    let db = dir.join("ceiling.db");
    // The last ceiling server was killed: its WAL and index would be taken for this new file's.
    for name in ["ceiling.db", "ceiling.db-wal", "ceiling.db-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let mut conn = open(&db)?;
    conn.execute_batch("CREATE TABLE item (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")?;
    {
        let tx = conn.transaction()?;
        for i in 1..=rows {
            tx.execute("INSERT INTO item (id, payload) VALUES (?1, ?2)", params![i, format!("row {i} ").repeat(8)])?;
        }
        tx.commit()?;
    }
    // Group commit as the product does it: the writer commits each batch into the WAL without
    // syncing, a second thread fdatasyncs the WAL and only then acknowledges the batch, while
    // the writer goes on with the next one. No acknowledgement precedes its fsync.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")?;
    let wal = std::fs::File::open(dir.join("ceiling.db-wal"))?;
    let (tx, rx) = mpsc::channel::<Pending>();
    let (to_sync, committed) = mpsc::channel::<(Vec<tokio::sync::oneshot::Sender<bool>>, bool)>();
    std::thread::spawn(move || {
        while let Ok((mut acks, mut ok)) = committed.recv() {
            while let Ok((more, more_ok)) = committed.try_recv() {
                acks.extend(more);
                ok &= more_ok;
            }
            let synced = ok && wal.sync_data().is_ok();
            for ack in acks {
                let _ = ack.send(synced);
            }
        }
    });
    let checkpointer = open(&db)?;
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let _ = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    });
    std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while let Ok(p) = rx.try_recv() {
                batch.push(p);
                if batch.len() >= 512 {
                    break;
                }
            }
            let ok = (|| -> rusqlite::Result<()> {
                let t = conn.transaction()?;
                for (payload, _) in &batch {
                    t.execute("INSERT INTO item (payload) VALUES (?1)", [payload])?;
                }
                t.commit()
            })()
            .is_ok();
            let acks = batch.into_iter().map(|(_, ack)| ack).collect();
            if to_sync.send((acks, ok)).is_err() {
                break;
            }
        }
    });
    let readers: Readers = Arc::new((db, Mutex::new(Vec::new())));
    let mut app = axum::Router::new()
        .route("/hello", get(|| async { "xin chào" }))
        .route("/insert", post(insert).with_state(tx))
        .route("/read/{id}", get(read).with_state(readers));
    if let Some(path) = dossiers {
        let pool: Readers = Arc::new((path, Mutex::new(Vec::new())));
        app = app.route("/api/v1/lookup", post(lookup).with_state(pool));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// Durable inserts through the ceiling server's `/insert`, a 400-byte row each, closed loop:
/// the group-commit insert ceiling every write benchmark compares against.
pub async fn insert_load(
    addr: std::net::SocketAddr,
    connections: usize,
    measure: Duration,
) -> Result<crate::load::Outcome> {
    let pad: Arc<str> = "x".repeat(400).into();
    crate::load::run(
        addr,
        connections,
        measure,
        |c, _| async { Ok(c) },
        move |c, conn, i| insert_once(c, conn, i, pad.clone()),
    )
    .await
}

/// The same inserts, open loop at `rate` per second: the latency the machine itself gives a
/// durable group-committed write at that load, beside the product's at the same share of its own.
pub async fn insert_at_rate(
    addr: std::net::SocketAddr,
    connections: usize,
    rate: f64,
    measure: Duration,
) -> Result<crate::load::Outcome> {
    let pad: Arc<str> = "x".repeat(400).into();
    crate::load::run_rate(
        vec![addr],
        connections,
        rate,
        measure,
        |c, _| async { Ok(c) },
        move |c, conn, i| insert_once(c, conn, i, pad.clone()),
    )
    .await
}

async fn insert_once(mut c: crate::http1::Conn, conn: usize, i: u64, pad: Arc<str>) -> (crate::http1::Conn, bool) {
    let body = format!("{{\"n\":{conn},\"i\":{i},\"pad\":\"{pad}\"}}");
    let ok = matches!(c.post_json("/insert", body.as_bytes()).await, Ok(r) if r.status == 201);
    (c, ok)
}
