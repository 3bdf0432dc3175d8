//! The server's allocators: mimalloc for everything Rust allocates, and glibc malloc, which
//! the bundled SQLite still calls, with its thresholds fixed before the server starts.
//!
//! Rust's allocations go to mimalloc (thread-local free lists, no arena locks): under a load of
//! public lookups, glibc's malloc, free and chunk consolidation were a tenth of the server's
//! time (`perf`, BENCHMARKS.md issue 13). Linking this crate is what installs it, so a binary
//! calls [`tune_malloc`] first thing, which both tunes glibc and names the crate.
//!
//! May depend on: nothing of ours (it sits under everything, in the binaries only).
//!
//! glibc raises its mmap threshold to the size of any large block freed (up to 32 MiB) and
//! its trim threshold to twice that. One argon2 login frees a 19 MiB block, after which every
//! malloc arena may keep ~38 MiB of freed memory: measured, 3,200 submissions grew the server
//! from 13 MB to 270 MB. Setting the thresholds explicitly turns that adjustment off; the same
//! load then stays at 18 MB.

#[global_allocator]
static RUST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Large blocks (256 KiB and up) go straight to mmap and back to the system when freed; arenas
/// give memory back once 1 MiB sits free at their top. No-op outside glibc.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called once, at start-up, before any
    // other thread exists, with constant in-range values.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}
