//! Crate discipline, as rust-analyzer's tidy tests keep it: every crate says in its first lines
//! what it may depend on, and the manifests keep the layers ARCHITECTURE.md draws. Modules
//! offer each other capabilities through the platform (`tinhso_http::capability`); the few
//! direct uses of another module's service are listed here, so a new one is a decision made
//! in review, not an accident of a `use`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A module's web half using another module's service directly: (user, used, why).
const WEB_USES: &[(&str, &str, &str)] = &[
    ("ioc", "dossier", "the operations centre's lists open dossiers through the dossier service's views"),
    ("dti", "ioc", "a unit's Decision 766 figures for its self-assessment"),
    ("opendata", "ioc", "the province's own figures published as datasets"),
    ("dossier", "catalogue", "the procedure a dossier is made under, from the catalogue's live index"),
    ("ioc", "catalogue", "the 766 index's catalogue indicators over a unit's procedures"),
    ("opendata", "catalogue", "the procedure list and the dossiers per procedure published as datasets"),
];

/// A platform crate (or the API types) naming a module's pure core: (user, core, why). The
/// platform serves every module, so each such name is a type it must carry, said here.
const PLATFORM_USES: &[(&str, &str, &str)] = &[
    ("tinhso-store", "tinhso-catalogue", "the catalogue port reads and writes procedures"),
    ("tinhso-store", "tinhso-dossier", "write plans carry a dossier's events and folded state"),
    ("tinhso-store", "tinhso-ioc", "the operations centre's projection and its facts"),
    ("tinhso-store", "tinhso-reports", "the reports port carries field reports and their events"),
    ("tinhso-sqlite", "tinhso-dossier", "the single-sequence schema's one Rust step refolds dossiers"),
    ("tinhso-sqlite", "tinhso-ioc", "the same step recounts their facts"),
    ("tinhso-postgres", "tinhso-dossier", "the single-sequence schema's one Rust step refolds dossiers"),
    ("tinhso-postgres", "tinhso-ioc", "the same step recounts their facts"),
    ("tinhso-http", "tinhso-dossier", "the dossier the dossier-flow capability answers with"),
    ("tinhso-api", "tinhso-catalogue", "procedures in the API's answers"),
    ("tinhso-api", "tinhso-dossier", "dossiers, states and events in the API's answers"),
    ("tinhso-api", "tinhso-ioc", "the 766 index's groups in the API's answers"),
];

struct Crate {
    /// `tinhso-dossier-web`.
    name: String,
    /// `crates/modules/dossier/web`, relative to the workspace.
    dir: PathBuf,
    deps: Vec<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target" && n != "tests" && n != "src") {
            manifests(&path, out);
        } else if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            out.push(path);
        }
    }
}

/// The workspace's crates and their normal (not dev) dependencies on each other.
fn crates() -> Vec<Crate> {
    let root = workspace();
    let mut paths = Vec::new();
    manifests(&root.join("crates"), &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut section = String::new();
            let mut name = String::new();
            let mut deps = Vec::new();
            for line in text.lines().map(str::trim) {
                if line.starts_with('[') {
                    section = line.to_owned();
                } else if section == "[package]" && line.starts_with("name") {
                    name = line.split('"').nth(1).unwrap().to_owned();
                } else if section == "[dependencies]" && line.starts_with("tinhso") {
                    deps.push(line.split(['.', ' ', '=']).next().unwrap().to_owned());
                }
            }
            let dir = p.parent().unwrap().strip_prefix(&root).unwrap().to_path_buf();
            Crate { name, dir, deps }
        })
        .collect()
}

/// Where a crate sits: ("kernel" | "policy" | "api" | "platform" | "core" | "port" | "store" | "web" | "app" |
/// "dev", module).
fn layer(krate: &Crate) -> (&'static str, Option<String>) {
    let parts: Vec<String> = krate.dir.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    match parts.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["crates", "kernel"] => ("kernel", None),
        ["crates", "policy"] => ("policy", None),
        ["crates", "api"] => ("api", None),
        ["crates", "platform", _] => ("platform", None),
        ["crates", "modules", m, "core"] => ("core", Some((*m).to_owned())),
        ["crates", "modules", m, "port"] => ("port", Some((*m).to_owned())),
        ["crates", "modules", m, "store"] => ("store", Some((*m).to_owned())),
        ["crates", "modules", m, "web"] => ("web", Some((*m).to_owned())),
        ["crates", "app", _] => ("app", None),
        ["crates", "dev", _] => ("dev", None),
        other => panic!("a crate outside the layers ARCHITECTURE.md draws: {other:?}"),
    }
}

#[test]
fn every_crate_says_what_it_is_for_and_what_it_may_depend_on() {
    let all = crates();
    assert!(all.len() > 30, "only {} crates found", all.len());
    for c in &all {
        let dir = workspace().join(&c.dir).join("src");
        let root = ["lib.rs", "main.rs"].iter().map(|f| dir.join(f)).find(|p| p.exists()).unwrap();
        let head: Vec<String> = std::fs::read_to_string(&root).unwrap().lines().take(24).map(str::to_owned).collect();
        assert!(head.first().is_some_and(|l| l.starts_with("//!")), "{} opens without saying what it is for", c.name);
        assert!(head.iter().any(|l| l.contains("May depend on")), "{} does not say what it may depend on", c.name);
    }
}

#[test]
fn the_crates_keep_their_layers() {
    let all = crates();
    let by_name: BTreeMap<&str, &Crate> = all.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut broken = Vec::new();
    for c in &all {
        let (layer_of, module) = layer(c);
        for dep in &c.deps {
            let Some(d) = by_name.get(dep.as_str()) else { panic!("{} names an unknown crate {dep}", c.name) };
            let (dep_layer, dep_module) = layer(d);
            let same_module = module.is_some() && module == dep_module;
            let allowed = match (layer_of, dep_layer) {
                // Nothing but the harnesses builds on the composition root or the test kit.
                (_, "app") | (_, "dev") => layer_of == "dev" || (layer_of == "app" && dep_layer == "dev"),
                ("kernel", _) => false,
                ("policy", d) => d == "kernel",
                // A rule may read another module's rules (the 766 index reads dossiers' deadlines).
                ("core", d) => matches!(d, "kernel" | "policy" | "core") || dep == "tinhso-ledger",
                // A module's port names its records and the platform's storage vocabulary.
                ("port", d) => {
                    matches!(d, "kernel" | "policy" | "core")
                        || matches!(dep.as_str(), "tinhso-ledger" | "tinhso-store")
                }
                // Only a module's own store and web halves use its port: another module asks the
                // platform's capabilities, and the platform names no module's port.
                (_, "port") => {
                    (same_module && matches!(layer_of, "store" | "web")) || matches!(layer_of, "app" | "dev")
                }
                ("store", d) => matches!(d, "kernel" | "policy" | "core" | "platform"),
                ("web", "store") => false,
                ("web", "web") => {
                    same_module
                        || WEB_USES.iter().any(|(user, used, _)| {
                            module.as_deref() == Some(*user) && dep_module.as_deref() == Some(*used)
                        })
                }
                ("web", _) => true,
                // The platform names a module's core only where it carries its types (listed
                // above), never a module's storage or pages.
                ("platform" | "api", "core") => {
                    PLATFORM_USES.iter().any(|(user, used, _)| *user == c.name && used == dep)
                }
                ("platform" | "api", d) => !matches!(d, "store" | "web"),
                ("app", _) => true,
                ("dev", _) => true,
                _ => false,
            };
            if !allowed {
                broken.push(format!("{} ({layer_of}) -> {dep} ({dep_layer})", c.name));
            }
        }
    }
    assert!(broken.is_empty(), "dependencies across the layers:\n{}", broken.join("\n"));
}

#[test]
fn the_results_and_exchange_modules_depend_on_no_other_module() {
    // They offer capabilities (signing documents, the population database) through the
    // platform; a dependency on a module that uses them would turn the capability around.
    let all = crates();
    let module_of: BTreeMap<&str, Option<String>> = all.iter().map(|c| (c.name.as_str(), layer(c).1)).collect();
    let mut checked = 0;
    for c in &all {
        let own = layer(c).1;
        if !matches!(own.as_deref(), Some("results" | "exchange")) {
            continue;
        }
        checked += 1;
        let others: Vec<&String> =
            c.deps.iter().filter(|d| module_of[d.as_str()].as_ref().is_some_and(|m| Some(m) != own.as_ref())).collect();
        assert!(others.is_empty(), "{} depends on other modules: {others:?}", c.name);
    }
    assert_eq!(checked, 8, "the two modules' core, port, store and web");
}

#[test]
fn the_platform_pieces_below_http_know_nothing_of_it() {
    // Storage, files, identity, notifications and the ledger are used by the daemon, the
    // command line and the HTTP crate alike; HTTP's types in them would tie every caller to a
    // web server (as files and mail once were, inside the HTTP crate).
    let below = ["tinhso-store", "tinhso-files", "tinhso-identity", "tinhso-notify", "tinhso-ledger"];
    let web = ["tinhso-http", "axum", "hyper", "tower", "http-body", "askama"];
    let root = workspace();
    let mut paths = Vec::new();
    manifests(&root.join("crates/platform"), &mut paths);
    let mut checked = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = text.lines().find_map(|l| l.trim().strip_prefix("name = \"")).unwrap().trim_end_matches('"');
        if !below.contains(&name) {
            continue;
        }
        checked += 1;
        let deps: Vec<&str> = text
            .split("[dependencies]")
            .nth(1)
            .unwrap_or("")
            .split("\n[")
            .next()
            .unwrap_or("")
            .lines()
            .filter_map(|l| l.split(['.', ' ', '=']).next())
            .filter(|d| web.contains(d))
            .collect();
        assert!(deps.is_empty(), "{name} depends on {deps:?}");
    }
    assert_eq!(checked, below.len(), "each piece's manifest found");
}
