//! quill: the RealWorld (Conduit) API on SQLite or PostgreSQL.
//!
//! Layers, outside in: [`web`] (pages) and [`http`] (routes, extractors, errors) → [`storage`] (every operation
//! whole, in SQL for both engines) → [`auth`] and [`domain`] (validated values and the resources the API shows).
//! docs/architecture.md says what may import what; tests/api/architecture.rs checks it.
//! [`transport`] accepts connections within their limits; [`settings`], [`telemetry`] and
//! [`startup`] wire it all into a server; [`cli`] holds the commands besides `serve`.

pub mod auth;
pub mod cli;
pub mod domain;
pub mod http;
pub mod progress;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod transfer;
pub mod transport;
pub mod web;
