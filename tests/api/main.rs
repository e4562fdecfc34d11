//! Black-box tests over real HTTP: every test starts the server on a random port with a fresh
//! database, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

mod browser;
mod helpers;

mod architecture;
mod articles;
mod bookmarks;
mod caching;
mod chaos;
mod claps;
mod commands;
mod comments;
mod concurrency;
mod deploy_files;
mod drafts;
mod errors;
mod feeds;
mod hashing;
mod limits;
mod markdown;
mod moderation;
mod notifications;
mod operations;
mod pages;
mod paging;
mod profiles;
mod proxy;
mod search;
mod sessions;
mod shutdown;
mod site_actions;
mod site_admin;
mod site_editor;
mod site_lists;
mod site_sessions;
mod site_settings;
mod tags;
mod threads;
mod transfer;
mod transport;
mod uploads;
mod users;
mod visibility;
