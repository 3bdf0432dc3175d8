//! The composition root's library half: how the platform's pieces and the modules are put
//! together on one engine (`db`). The binary (`main.rs`) uses it, and so do the benchmarks
//! and the integration tests, so that every harness runs the platform as it ships.

pub mod db;
