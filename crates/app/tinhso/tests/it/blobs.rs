//! File contents without a shared disk: in PostgreSQL, two servers with separate data
//! directories serve each other's uploads; in an S3-compatible store (moto's server mode, from
//! PyPI, started by the test with AWS's signature checks on), the platform's signed requests
//! are accepted (and refused with a wrong secret), contents land in the bucket as AWS's own SDK
//! reads them, not on the server's disk, and a store that stops answering fails the upload with
//! `{code, message}` instead of acknowledging it.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

const PDF_HEAD: &[u8] = b"%PDF-1.4\n";

pub(crate) fn pdf(tag: &str) -> Vec<u8> {
    let mut b = PDF_HEAD.to_vec();
    b.extend(format!("% {tag}\n").bytes());
    b.resize(50_000, b'7');
    b.extend(b"\n%%EOF\n");
    b
}

async fn download(c: &Caller, url: &str, code: &str, sha: &str) -> (StatusCode, Vec<u8>) {
    let r = c.c.get(format!("{url}/api/v1/dossiers/{code}/files/{sha}")).send().await.unwrap();
    (r.status(), r.bytes().await.unwrap().to_vec())
}

async fn submit_with(c: &Caller, sha: &str) -> String {
    let body =
        json!({ "procedure": PROVINCIAL, "form": generic_form(2269), "files": [{ "component": 0, "sha256": sha }] });
    let (st, d) = c.post("/api/v1/dossiers", body).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    d["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_servers_on_postgres_share_files_without_a_shared_disk() {
    let db = fresh_pg_database().await.unwrap();
    let a = TestServer::start_on(Backend::Postgres, crate::bin(), fresh_data_dir().unwrap(), Some(db.clone()), &[])
        .await
        .unwrap();
    let b =
        TestServer::start_on(Backend::Postgres, crate::bin(), fresh_data_dir().unwrap(), Some(db), &[]).await.unwrap();
    assert_ne!(a.data, b.data);
    let on_a = Caller::login(&a, "0912345678", PASSWORD).await;
    let on_b = on_a.at(&b.url);
    // Uploaded to A, attached through B, read back from either.
    let bytes = pdf("uploaded to server A");
    let (st, v) = on_a.upload("don.pdf", &bytes).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let sha = v["sha256"].as_str().unwrap().to_owned();
    let code = submit_with(&on_b, &sha).await;
    for url in [&a.url, &b.url] {
        assert_eq!(download(&on_a, url, &code, &sha).await, (StatusCode::OK, bytes.clone()), "{url}");
    }
    // Neither server kept the content on its own disk.
    for s in [&a, &b] {
        let files = s.data.join("files");
        let found = walk(&files).into_iter().any(|p| p.ends_with(&sha));
        assert!(!found, "{} holds {sha} on disk", files.display());
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

/// moto's S3 server on a free port, checking signatures as AWS does (IAM authentication on
/// after the four set-up calls); killed when dropped.
struct Moto {
    _process: tokio::process::Child,
    url: String,
    key: String,
    secret: String,
}

impl Moto {
    async fn start() -> Moto {
        let port = tinhso_testkit::server::free_port().unwrap();
        let child = tokio::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "4")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server (pip install 'moto[server]'; scripts/test installs it)");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(format!("{url}/moto-api/")).await.is_ok() {
                // A user allowed S3, its key, and the bucket: the last unauthenticated calls.
                let script = format!(
                    "import boto3, json\n\
                     iam = boto3.client('iam', endpoint_url='{url}', region_name='us-east-1',\n\
                         aws_access_key_id='x', aws_secret_access_key='y')\n\
                     iam.create_user(UserName='tinhso')\n\
                     k = iam.create_access_key(UserName='tinhso')['AccessKey']\n\
                     iam.put_user_policy(UserName='tinhso', PolicyName='s3', PolicyDocument=json.dumps(\n\
                         {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}}]}}))\n\
                     s3 = boto3.client('s3', endpoint_url='{url}', region_name='us-east-1',\n\
                         aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=k['SecretAccessKey'])\n\
                     s3.create_bucket(Bucket='tinhso-tep')\n\
                     print(k['AccessKeyId'], k['SecretAccessKey'])"
                );
                let out =
                    std::process::Command::new("python3").args(["-c", &script]).output().expect("python3 with boto3");
                assert!(out.status.success(), "moto set-up: {}", String::from_utf8_lossy(&out.stderr));
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let mut parts = text.split_whitespace().map(str::to_owned);
                let (key, secret) = (parts.next().unwrap(), parts.next().unwrap());
                return Moto { _process: child, url, key, secret };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not answer on {url}");
    }
}

#[tokio::test]
async fn files_live_in_an_s3_bucket() {
    let moto = Moto::start().await;
    let args = ["--files", "s3://tinhso-tep/ho-so", "--s3-endpoint", moto.url.as_str()];
    // A wrong secret: the store checks signatures, so the upload is refused, not stored.
    let wrong = [("AWS_ACCESS_KEY_ID", moto.key.as_str()), ("AWS_SECRET_ACCESS_KEY", "sai-bi-mat")];
    let s = TestServer::start_with_env(
        Backend::Sqlite,
        crate::bin(),
        fresh_data_dir().unwrap(),
        None,
        "127.0.0.1:0",
        &args,
        &wrong,
    )
    .await
    .unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (st, v) = citizen.upload("don.pdf", &pdf("wrong secret")).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    s.stop().await.unwrap();

    let data = fresh_data_dir().unwrap();
    let env = [("AWS_ACCESS_KEY_ID", moto.key.as_str()), ("AWS_SECRET_ACCESS_KEY", moto.secret.as_str())];
    let s = TestServer::start_with_env(Backend::Sqlite, crate::bin(), data.clone(), None, "127.0.0.1:0", &args, &env)
        .await
        .unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let bytes = pdf("in the bucket");
    let (st, v) = citizen.upload("don.pdf", &bytes).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let sha = v["sha256"].as_str().unwrap().to_owned();
    let code = submit_with(&citizen, &sha).await;
    assert_eq!(download(&citizen, &s.url, &code, &sha).await, (StatusCode::OK, bytes.clone()));
    // In the bucket, under the prefix and the content address, as AWS's own SDK (boto3) reads
    // it; not on the server's disk.
    let key = format!("ho-so/{}/{}/{sha}", &sha[0..2], &sha[2..4]);
    let script = format!(
        "import boto3, hashlib\n\
         s3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1',\n\
             aws_access_key_id='{}', aws_secret_access_key='{}')\n\
         body = s3.get_object(Bucket='tinhso-tep', Key='{key}')['Body'].read()\n\
         print(hashlib.sha256(body).hexdigest(), len(body))",
        moto.url, moto.key, moto.secret
    );
    let out = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3 with boto3");
    assert!(out.status.success(), "boto3: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("{sha} {}", bytes.len()));
    assert!(!walk(&data.join("files")).iter().any(|p| p.ends_with(&sha)), "a copy on disk");

    // The store stops answering: the upload fails clearly and nothing is acknowledged.
    drop(moto);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, v) = citizen.upload("don-2.pdf", &pdf("never stored")).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert!(v["code"].is_string() && v["message"].is_string(), "{v}");
    let (_, docs) = citizen.get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 1, "the failed upload is not in the document store");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_files_option_is_refused_at_start() {
    let data = fresh_data_dir().unwrap();
    let data = data.display().to_string();
    for (extra, says) in [
        (vec!["--files", "ftp://x"], "--files"),
        (vec!["--files", "database"], "PostgreSQL"),
        (vec!["--files", "s3://tinhso", "--s3-endpoint", "gopher://x"], "--s3-endpoint"),
    ] {
        let args: Vec<String> = ["serve", "--listen", "127.0.0.1:0", "--demo-dossiers", "0", "--data", data.as_str()]
            .into_iter()
            .chain(extra.iter().copied())
            .map(str::to_owned)
            .collect();
        let run = tinhso_testkit::server::run_cli(crate::bin(), &args);
        let (code, out, err) =
            tokio::time::timeout(Duration::from_secs(20), run).await.expect("refused at once").unwrap();
        assert_ne!(code, 0, "{extra:?}");
        assert!(format!("{out}{err}").contains(says), "{extra:?}: {out}{err}");
    }
}
