//! The API against its own document: schemathesis (PyPI), the tool integrators would point at
//! us, generates requests from `/api/openapi.json` for every operation and runs every check it
//! has but one: no server error; every status, content type, header and body as the document
//! says; requests the document forbids (a code of the wrong shape, a value outside its range, a
//! missing parameter or session) refused; unsupported methods answered 405 with `Allow`; a
//! session honoured and its absence noticed. Anonymous, then logged in as a citizen, a
//! receptionist and a leader (the session through the document's own `session` scheme, the CSRF
//! token as a header), on both backends. schemathesis missing fails the test: `scripts/test`
//! installs it.
//!
//! The check left out, `positive_data_acceptance`, expects every request the document allows
//! to be accepted, or refused as 401, 403, 404, 409 or 429. A wrong password is 401 and a
//! citizen's desk intake 403, which it takes; but no document can say which bytes make a PDF,
//! which fields a procedure's form needs or that a period runs forwards, so those answers are
//! 400 with `{code, message}`, as they should be. Everything a schema can say (code shapes,
//! enums, dates, ranges) the document says, and the run without this check holds the server
//! to it.

use tinhso_testkit::TestServer;

const PASSWORD: &str = "TuyenQuang-demo-2025";
const EXCLUDED: &str = "positive_data_acceptance";

/// Logs in through the API; returns the session token and the CSRF token.
async fn session(s: &TestServer, login: &str) -> (String, String) {
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{login} logs in");
    let token = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("tinhso_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    (token, body["csrf_token"].as_str().unwrap().to_owned())
}

/// One schemathesis run; panics with its report unless every check passed.
fn schemathesis(s: &TestServer, who: &str, session: Option<(String, String)>) {
    // schemathesis keeps a cache of what it found in its working directory: keep it out of the
    // tree, one directory per run (runs of both backends go on at once).
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    let mut cmd = std::process::Command::new("st");
    cmd.current_dir(&dir);
    if let Some((token, _)) = &session {
        let config = dir.join("schemathesis.toml");
        std::fs::write(&config, format!("[auth.openapi.session]\napi_key = \"{token}\"\n")).unwrap();
        cmd.arg("--config-file").arg(&config);
    }
    cmd.args(["run", &format!("{}/api/openapi.json", s.url), "--url", &s.url, "--exclude-checks", EXCLUDED])
        // One worker: schemathesis's workers are threads, and with two, hypothesis describing its
        // filters (`ast.parse`) once failed the run with CPython's spurious "AST constructor
        // recursion depth mismatch" (gh-106905, seen in threaded programs; 3.11.7 here).
        .args(["--max-examples", "25", "--workers", "1", "--seed", "20261202", "--no-color"])
        // Logging out would end the session the rest of the run is testing with.
        .args(["--exclude-method", "DELETE"]);
    if let Some((_, csrf)) = &session {
        cmd.args(["-H", &format!("X-CSRF-Token: {csrf}")]);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("schemathesis (`st`) could not run ({e}): scripts/test installs it with pip"),
    };
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis as {who} on {:?}:\n{report}\n{}",
        s.backend,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "schemathesis ran no test as {who}:\n{report}");
}

async fn contract(s: TestServer) {
    schemathesis(&s, "anonymous", None);
    for login in ["0912345678", "tiepnhan@tinhso.local", "lanhdao@tinhso.local"] {
        // The server is its own process: waiting on schemathesis here blocks nothing it needs.
        let session = session(&s, login).await;
        schemathesis(&s, login, Some(session));
    }
}

#[tokio::test]
async fn api_keeps_its_document_sqlite() {
    contract(crate::demo_server(tinhso_testkit::Backend::Sqlite, 60).await).await;
}

#[tokio::test]
async fn api_keeps_its_document_postgres() {
    contract(crate::demo_server(tinhso_testkit::Backend::Postgres, 60).await).await;
}
