//! Staff inboxes: the counters (kept in each event's transaction) equal what the dossiers
//! themselves say, at a desk, at a deciding agency and province-wide, on both backends, and the
//! overdue filter lists exactly the overdue dossiers, and lists by state sort by due date.

use crate::bin;
use crate::dossier::{Caller, PASSWORD};
use std::collections::BTreeMap;
use tinhso_testkit::server::run_cli;
use tinhso_testkit::{Backend, TestServer};

/// What the API says of every dossier the caller sees: count per state label, overdue, due soon,
/// and the overdue codes.
async fn truth(caller: &Caller) -> (BTreeMap<String, i64>, i64, i64, Vec<String>) {
    let (mut states, mut overdue, mut soon, mut late) = (BTreeMap::new(), 0, 0, Vec::new());
    let mut offset = 0;
    loop {
        let (_, v) = caller.get(&format!("/api/v1/dossiers?limit=200&offset={offset}")).await;
        let items = v["items"].as_array().unwrap().clone();
        for d in &items {
            *states.entry(d["state_label"].as_str().unwrap().to_owned()).or_default() += 1;
            match d["due_status"].as_str().unwrap() {
                "overdue" => {
                    overdue += 1;
                    late.push(d["code"].as_str().unwrap().to_owned());
                }
                "due_soon" => soon += 1,
                _ => {}
            }
        }
        if items.len() < 200 {
            return (states, overdue, soon, late);
        }
        offset += 200;
    }
}

async fn counters_match(backend: Backend) {
    let s = crate::demo_server(backend, 400).await;
    let mut seen_overdue = 0;
    // The start-up banner names a citizen of the history, whose own list counts the same way.
    assert!(s.banner.contains("0913000001"), "{}", s.banner);
    // The service centre's desk, the Department of Justice, the province's leader, that citizen.
    for login in ["tiepnhan@tinhso.local", "chuyenvien@tinhso.local", "lanhdao@tinhso.local", "0913000001"] {
        let caller = Caller::login(&s, login, PASSWORD).await;
        let (states, overdue, soon, late) = truth(&caller).await;
        assert!(states.values().sum::<i64>() > 0, "{login} sees dossiers");
        let html = caller.c.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
        for (label, n) in &states {
            assert!(
                html.contains(&format!("{label} <span class=\"count\">{n}</span>")),
                "{login}: {label} {n}\n{html}"
            );
        }
        assert!(html.contains(&format!("Quá hạn <span class=\"count\">{overdue}</span>")), "{login}: {overdue}");
        assert!(html.contains(&format!("Sắp đến hạn <span class=\"count\">{soon}</span>")), "{login}: {soon}");
        let listed = caller.c.get(format!("{}/ho-so?han=qua-han", s.url)).send().await.unwrap().text().await.unwrap();
        for code in late.iter().take(200) {
            assert!(listed.contains(code.as_str()), "{login}: overdue {code} listed");
        }
        assert_eq!(listed.matches("href=\"/ho-so/").count(), late.len().min(200), "{login}: only the overdue");
        seen_overdue += overdue;
        if login == "tiepnhan@tinhso.local" || login == "lanhdao@tinhso.local" {
            by_due_date(&s, &caller).await;
        }
    }
    assert!(seen_overdue > 0, "the demo history has overdue dossiers");
    // The recomputation from the events agrees with the stored counters.
    let (code, out, err) =
        run_cli(bin(), &[vec!["ioc".to_owned(), "check".to_owned()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    s.stop().await.unwrap();
}

/// A desk's (or the province's) open dossiers of each state, by due date: earliest first, across pages.
async fn by_due_date(s: &TestServer, caller: &Caller) {
    let mut listed = 0;
    for state in ["received", "processing", "payment_requested", "supplement_requested"] {
        listed += dues_in_order(s, caller, state).await;
    }
    assert!(listed > 1, "the demo history has open dossiers here");
}

async fn dues_in_order(s: &TestServer, caller: &Caller, state: &str) -> usize {
    let mut dues = Vec::new();
    for page in 1..=3 {
        let url = format!("{}/ho-so?trang-thai={state}&sap-xep=han&trang={page}", s.url);
        let html = caller.c.get(url).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<strong>hạn trả sớm trước</strong>"), "the sort in force is shown");
        for cell in html.split("<td data-label=\"Hẹn trả\">").skip(1) {
            // Sorted by the due date the law gives; an apology's new date is shown first.
            let cell = &cell[..cell.find("</td>").unwrap()];
            let day = cell.split_once("hẹn cũ ").map_or(&cell[..10], |(_, old)| &old[..10]);
            let (d, m, y) = (&day[0..2], &day[3..5], &day[6..10]);
            dues.push(format!("{y}{m}{d}"));
        }
    }
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{state}: earliest due first: {dues:?}");
    dues.len()
}

/// An officer's own work as their inbox shows it: the count beside "Được giao cho tôi" and the
/// codes its list holds, checked to agree with each other and to come earliest due first.
pub async fn held(s: &TestServer, caller: &Caller) -> (i64, Vec<String>) {
    let inbox = caller.c.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    let counter = inbox
        .split("href=\"/ho-so?giao=toi\"")
        .nth(1)
        .and_then(|rest| rest.split("<span class=\"count\">").nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no counter of one's own work:\n{inbox}"));
    let n: i64 = counter.replace('.', "").parse().unwrap();
    let page = caller.c.get(format!("{}/ho-so?giao=toi", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Hồ sơ được giao cho tôi</h1>"), "{page}");
    assert!(page.contains("href=\"/ho-so?giao=toi\" aria-current=\"page\""), "the slice is marked");
    let codes: Vec<String> = page
        .split("<td data-label=\"Mã hồ sơ\"><a href=\"/ho-so/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    let dues: Vec<chrono::NaiveDate> = page
        .split("<td data-label=\"Hẹn trả\">")
        .skip(1)
        .filter_map(|rest| chrono::NaiveDate::parse_from_str(rest.split('<').next().unwrap(), "%d/%m/%Y").ok())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "earliest due first: {dues:?}");
    if n <= 200 {
        assert_eq!(codes.len() as i64, n, "the count is what the list holds");
    }
    (n, codes)
}

/// Each officer's own list holds exactly the open dossiers the API says they hold.
async fn own_work_matches(backend: Backend) {
    let s = crate::demo_server(backend, 400).await;
    let mut seen = 0;
    for login in ["chuyenvien@tinhso.local", "cv.02@tinhso.local", "cv.06@tinhso.local", "pheduyet@tinhso.local"] {
        let caller = Caller::login(&s, login, PASSWORD).await;
        let mut truth = Vec::new();
        let mut offset = 0;
        loop {
            let (_, v) = caller.get(&format!("/api/v1/dossiers?limit=200&offset={offset}")).await;
            let items = v["items"].as_array().unwrap().clone();
            for d in &items {
                let finished = ["refused", "withdrawn", "stopped", "returned"].contains(&d["state"].as_str().unwrap());
                if d["assignee"].as_i64() == Some(caller.id) && !finished {
                    truth.push(d["code"].as_str().unwrap().to_owned());
                }
            }
            if items.len() < 200 {
                break;
            }
            offset += 200;
        }
        let (n, mut codes) = held(&s, &caller).await;
        // The API's `held=true` lists the same, in the same order.
        let (_, v) = caller.get("/api/v1/dossiers?held=true&limit=200").await;
        let api: Vec<String> =
            v["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_owned()).collect();
        assert_eq!(api, codes, "{login}: the API and the page agree");
        truth.sort();
        codes.sort();
        assert_eq!((n as usize, codes), (truth.len(), truth.clone()), "{login}");
        seen += truth.len();
    }
    assert!(seen > 0, "the demo history has held dossiers");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn own_work_matches_the_dossiers_on_sqlite() {
    own_work_matches(Backend::Sqlite).await;
}

#[tokio::test]
async fn own_work_matches_the_dossiers_on_postgres() {
    own_work_matches(Backend::Postgres).await;
}

#[tokio::test]
async fn inbox_counters_match_the_dossiers_on_sqlite() {
    counters_match(Backend::Sqlite).await;
}

#[tokio::test]
async fn inbox_counters_match_the_dossiers_on_postgres() {
    counters_match(Backend::Postgres).await;
}
