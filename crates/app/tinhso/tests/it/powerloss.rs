//! Power cuts: the server runs over a disk that forgets what was not synced
//! (`fixtures/powerloss.c`, an `LD_PRELOAD` layer under SQLite and the file store, compiled by
//! the test), takes concurrent submissions with attachments, and is killed at a different
//! moment each round; the journal of unsynced changes is then undone as a power cut would undo
//! them (writes, truncations, creations and renames not yet made durable), and the server
//! restarts on what is left. After every restart: no acknowledged dossier or file is lost, no
//! dossier a reader was shown is lost or changed (durable before visible), no code was issued
//! twice, `audit verify` and `ioc check` pass.
//!
//! The reader's check has teeth: against a build whose writer committed with
//! `synchronous=OFF` and synced the WAL just after (visible before durable, acknowledged only
//! once durable), it failed at the first restart in both tries ("shown to a reader, then
//! lost"), with the disk's 10 ms flush below.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

/// Builds the layer; the test cannot run without it, so a missing compiler fails.
fn powerloss_library(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/powerloss.c");
    let lib = dir.join("libpowerloss.so");
    let out = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-o"])
        .arg(&lib)
        .arg(&src)
        .args(["-ldl", "-lpthread"])
        .output()
        .expect("a C compiler (cc) to build the power-loss layer");
    assert!(out.status.success(), "cc: {}", String::from_utf8_lossy(&out.stderr));
    lib
}

/// One journal record (see powerloss.c).
#[derive(Debug)]
enum Record {
    Write { path: String, offset: u64, size_before: u64, old: Vec<u8> },
    Synced(String),
    DirSynced(String),
    Created(String),
    Renamed { from: String, to: String },
}

/// The journal's records; a torn last record (the server was killed while writing it) is
/// dropped: the change it announced had not happened yet.
fn read_journal(path: &Path) -> Vec<Record> {
    struct Cursor<'a>(&'a [u8]);
    impl Cursor<'_> {
        fn take(&mut self, n: usize) -> Option<Vec<u8>> {
            if self.0.len() < n {
                return None;
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(head.to_vec())
        }
        fn u32(&mut self) -> Option<usize> {
            Some(u32::from_ne_bytes(self.take(4)?.try_into().ok()?) as usize)
        }
        fn i64(&mut self) -> Option<u64> {
            Some(i64::from_ne_bytes(self.take(8)?.try_into().ok()?) as u64)
        }
        fn string(&mut self) -> Option<String> {
            let n = self.u32()?;
            String::from_utf8(self.take(n)?).ok()
        }
        fn record(&mut self) -> Option<Record> {
            let kind = self.take(1)?[0];
            let path = self.string()?;
            Some(match kind {
                b'W' => {
                    let offset = self.i64()?;
                    let size_before = self.i64()?;
                    let n = self.u32()?;
                    Record::Write { path, offset, size_before, old: self.take(n)? }
                }
                b'S' => Record::Synced(path),
                b'D' => Record::DirSynced(path),
                b'C' => Record::Created(path),
                b'R' => Record::Renamed { from: path, to: self.string()? },
                other => panic!("journal record {other}"),
            })
        }
    }
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut c = Cursor(&bytes);
    std::iter::from_fn(|| c.record()).collect()
}

fn parent(p: &str) -> String {
    Path::new(p).parent().map(|d| d.display().to_string()).unwrap_or_default()
}

/// Where an undone change was: the database's files by name, the file store as "files".
fn place(p: &str) -> String {
    match Path::new(p).file_name().and_then(|n| n.to_str()) {
        Some(n) if n.starts_with("tinhso.db") => n.to_owned(),
        _ => "files".to_owned(),
    }
}

/// Undoes, newest first, every change the journal shows was not made durable. Returns how many
/// changes were undone, by kind and place.
fn power_cut(journal: &Path) -> HashMap<String, usize> {
    let records = read_journal(journal);
    let mut synced: HashSet<String> = HashSet::new();
    let mut dirs: HashSet<String> = HashSet::new();
    // Where a durably renamed file now lives, by its earlier name.
    let mut moved: HashMap<String, String> = HashMap::new();
    let resolve = |moved: &HashMap<String, String>, p: &str| {
        let mut p = p.to_owned();
        while let Some(next) = moved.get(&p) {
            p = next.clone();
        }
        p
    };
    let mut undone: HashMap<String, usize> = HashMap::new();
    let mut count = |what: &str, p: &str| *undone.entry(format!("{what} {}", place(p))).or_default() += 1;
    for r in records.iter().rev() {
        match r {
            Record::Synced(p) => {
                synced.insert(resolve(&moved, p));
            }
            Record::DirSynced(d) => {
                dirs.insert(d.clone());
            }
            Record::Write { path, offset, size_before, old } => {
                let p = resolve(&moved, path);
                if synced.contains(&p) {
                    continue;
                }
                if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&p) {
                    f.set_len(*size_before).unwrap();
                    f.seek(SeekFrom::Start(*offset)).unwrap();
                    f.write_all(old).unwrap();
                    count("write", &p);
                }
            }
            Record::Created(p) => {
                if moved.contains_key(p) || dirs.contains(&parent(p)) {
                    continue;
                }
                let path = Path::new(p);
                if path.is_dir() {
                    let _ = std::fs::remove_dir_all(path);
                } else {
                    let _ = std::fs::remove_file(path);
                }
                count("creation", p);
            }
            Record::Renamed { from, to } => {
                if dirs.contains(&parent(to)) {
                    let now = resolve(&moved, to);
                    moved.insert(from.clone(), now);
                } else if Path::new(to).exists() {
                    std::fs::rename(to, from).unwrap();
                    count("rename", to);
                }
            }
        }
    }
    undone
}

/// What the clients were told: dossier code → the nonce its form carries, and the attached
/// file's hash and bytes; files acknowledged on upload alone; dossiers a reader was shown
/// (acknowledged to their submitter or not yet) → the content shown.
#[derive(Default)]
struct Acknowledged {
    dossiers: HashMap<String, (String, String, Vec<u8>)>,
    uploads: HashMap<String, Vec<u8>>,
    shown: HashMap<String, String>,
}

/// A reader beside the submitters: lists the newest dossiers and opens each new one, as a
/// page would, until the server is cut off. What it was shown must survive the cut.
async fn watch(citizen: Caller, url: String, acked: Arc<Mutex<Acknowledged>>) {
    loop {
        let Ok(r) = citizen.c.get(format!("{url}/api/v1/dossiers?limit=20")).send().await else { return };
        let Ok(list) = r.json::<serde_json::Value>().await else { return };
        let codes: Vec<String> = list["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|d| d["code"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        for code in codes {
            if acked.lock().unwrap().shown.contains_key(&code) {
                continue;
            }
            let Ok(r) = citizen.c.get(format!("{url}/api/v1/dossiers/{code}")).send().await else { return };
            if r.status() != StatusCode::OK {
                return;
            }
            let Ok(d) = r.json::<serde_json::Value>().await else { return };
            let content = d["form"]["noi_dung"].as_str().unwrap_or_default().to_owned();
            acked.lock().unwrap().shown.insert(code, content);
        }
    }
}

async fn load(citizen: Caller, url: String, worker: usize, round: usize, acked: Arc<Mutex<Acknowledged>>) {
    let mut i = 0usize;
    loop {
        i += 1;
        let nonce = format!("r{round}-w{worker}-n{i}");
        let mut pdf = format!("%PDF-1.4\n% {nonce}\n").into_bytes();
        pdf.resize(20_000 + (i % 7) * 3_000, b'0' + (i % 10) as u8);
        pdf.extend(b"\n%%EOF\n");
        let upload = citizen
            .c
            .post(format!("{url}/api/v1/files"))
            .header("x-csrf-token", citizen.csrf())
            .header("x-file-name", "don.pdf")
            .body(pdf.clone());
        // Anything but an answer of 201 (the server was killed meanwhile) ends this worker.
        let Some(v) = acknowledged(upload).await else { return };
        let sha = v["sha256"].as_str().unwrap().to_owned();
        acked.lock().unwrap().uploads.insert(sha.clone(), pdf.clone());
        let mut form = generic_form(2269);
        form["noi_dung"] = json!(format!("Xin cấp bản sao, lần {nonce}"));
        let body = json!({ "procedure": PROVINCIAL, "form": form, "files": [{ "component": 0, "sha256": sha }] });
        let submit =
            citizen.c.post(format!("{url}/api/v1/dossiers")).header("x-csrf-token", citizen.csrf()).json(&body);
        let Some(d) = acknowledged(submit).await else { return };
        let code = d["code"].as_str().unwrap().to_owned();
        let mut a = acked.lock().unwrap();
        if let Some((earlier, _, _)) = a.dossiers.get(&code) {
            panic!("code {code} issued twice: to {earlier} and to {nonce}");
        }
        a.dossiers.insert(code, (nonce, sha, pdf));
    }
}

/// The answer's body when the server acknowledged the request (201).
async fn acknowledged(request: reqwest::RequestBuilder) -> Option<serde_json::Value> {
    let r = request.send().await.ok()?;
    if r.status() != StatusCode::CREATED {
        return None;
    }
    r.json().await.ok()
}

/// Every acknowledged dossier and file is there, unchanged; the history checks pass.
async fn check(s: &TestServer, citizen: &Caller, acked: &Acknowledged, round: usize) {
    for (code, (nonce, sha, pdf)) in &acked.dossiers {
        let (st, d) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(st, StatusCode::OK, "round {round}: acknowledged dossier {code} lost");
        assert!(d.to_string().contains(nonce.as_str()), "round {round}: {code} now holds another dossier: {d}");
        let r = citizen.c.get(format!("{}/api/v1/dossiers/{code}/files/{sha}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "round {round}: the file of {code} lost");
        assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice(), "round {round}: the file of {code} changed");
    }
    for (code, content) in &acked.shown {
        let (st, d) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(st, StatusCode::OK, "round {round}: dossier {code} was shown to a reader, then lost");
        assert_eq!(d["form"]["noi_dung"], json!(content), "round {round}: dossier {code} shown, now another");
    }
    let (_, docs) = citizen.get("/api/v1/documents?limit=1000").await;
    let stored: HashSet<&str> = docs["items"].as_array().unwrap().iter().filter_map(|d| d["sha256"].as_str()).collect();
    for sha in acked.uploads.keys() {
        assert!(stored.contains(sha.as_str()), "round {round}: acknowledged upload {sha} lost from the document store");
    }
    for check in [["audit", "verify"], ["ioc", "check"]] {
        let args = [check.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), s.data_args()].concat();
        let (code, out, err) = run_cli(crate::bin(), &args).await.unwrap();
        assert_eq!(code, 0, "round {round}, {check:?}: {out}{err}");
    }
}

#[tokio::test]
async fn power_cuts_lose_nothing_acknowledged() {
    let scratch = fresh_data_dir().unwrap();
    let lib = powerloss_library(&scratch);
    let journal = scratch.join("journal");
    let data = fresh_data_dir().unwrap();
    let data = data.canonicalize().unwrap();
    let env = [
        ("LD_PRELOAD", lib.to_str().unwrap().to_owned()),
        ("TINHSO_POWERLOSS_DIR", data.to_str().unwrap().to_owned()),
        ("TINHSO_POWERLOSS_JOURNAL", journal.to_str().unwrap().to_owned()),
        // A disk whose flush takes 10 ms, like a busy SAN: were a commit visible before its
        // sync, the reader would have that long to be shown it before the cut.
        ("TINHSO_POWERLOSS_SYNC_DELAY_US", "10000".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut undone: HashMap<String, usize> = HashMap::new();
    let mut journalled: HashSet<String> = HashSet::new();
    let mut session: Option<Caller> = None;
    const ROUNDS: usize = 8;
    for round in 0..ROUNDS {
        let _ = std::fs::remove_file(&journal);
        let s = TestServer::start_with_env(Backend::Sqlite, crate::bin(), data.clone(), None, "127.0.0.1:0", &[], &env)
            .await
            .unwrap();
        // One session for the whole test (sessions are stored, so they survive the cuts too).
        let citizen = match &session {
            Some(c) => c.at(&s.url),
            None => Caller::login(&s, "0912345678", PASSWORD).await,
        };
        session = Some(citizen.at(&s.url));
        if round > 0 {
            let snapshot = std::mem::take(&mut *acked.lock().unwrap());
            check(&s, &citizen, &snapshot, round).await;
            *acked.lock().unwrap() = snapshot;
        }
        let mut workers: Vec<_> =
            (0..4).map(|w| tokio::spawn(load(citizen.at(&s.url), s.url.clone(), w, round, acked.clone()))).collect();
        workers.push(tokio::spawn(watch(citizen.at(&s.url), s.url.clone(), acked.clone())));
        // A different moment each round, across the writer's batches and its WAL checkpoints.
        tokio::time::sleep(Duration::from_millis(250 + (round as u64 * 173) % 900)).await;
        s.stop().await.unwrap();
        for w in workers {
            w.abort();
        }
        let journal_bytes = std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0);
        assert!(journal_bytes > 0, "round {round}: the layer journalled nothing: it is not in the server");
        // Which files the layer journalled changes of, whether or not a cut found them unsynced.
        journalled.extend(read_journal(&journal).iter().map(|r| match r {
            Record::Write { path, .. } | Record::Synced(path) | Record::DirSynced(path) | Record::Created(path) => {
                place(path)
            }
            Record::Renamed { to, .. } => place(to),
        }));
        for (what, n) in power_cut(&journal) {
            *undone.entry(what).or_default() += n;
        }
        // The shared-memory index is rebuilt from the WAL by the first connection after a reboot.
        let _ = std::fs::remove_file(data.join("tinhso.db-shm"));
    }
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data.clone(), None, &[]).await.unwrap();
    let snapshot = std::mem::take(&mut *acked.lock().unwrap());
    let citizen = session.map(|c| c.at(&s.url)).unwrap();
    check(&s, &citizen, &snapshot, ROUNDS).await;
    assert!(snapshot.dossiers.len() >= ROUNDS, "too little load to mean anything: {}", snapshot.dossiers.len());
    assert!(snapshot.shown.len() >= ROUNDS, "the reader saw too little to mean anything: {}", snapshot.shown.len());
    // The layer sat under both SQLite's log and the file store (which of their changes a cut
    // finds unsynced depends on when it falls), and the cuts undid real work.
    assert!(journalled.contains("tinhso.db-wal") && journalled.contains("files"), "{journalled:?}");
    assert!(undone.values().sum::<usize>() > 0, "no power cut lost an unsynced change: {undone:?}");
    eprintln!(
        "power cuts: {ROUNDS} rounds, {} dossiers and {} uploads acknowledged and found, {} shown and found; \
         undone: {undone:?}",
        snapshot.dossiers.len(),
        snapshot.uploads.len(),
        snapshot.shown.len()
    );
    s.stop().await.unwrap();
}
