//! Compiles the VFS shim against the header of the SQLite that libsqlite3-sys builds.

fn main() {
    println!("cargo:rerun-if-changed=src/gather.c");
    let mut build = cc::Build::new();
    build.file("src/gather.c").warnings(true).extra_warnings(true);
    // libsqlite3-sys (links = "sqlite3") exports where its sqlite3.h is.
    if let Some(include) = std::env::var_os("DEP_SQLITE3_INCLUDE") {
        build.include(include);
    }
    build.compile("tinhso_gather");
}
