use std::process::ExitCode;

use quill::settings::Settings;
use quill::{cli, seed, startup, telemetry, transfer};

/// Requests allocate many short-lived strings and rows across threads; mimalloc serves that
/// pattern with less CPU than the system allocator (measured in the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "help" | "-h" | "--help" => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        "version" | "-V" | "--version" => {
            println!("quill {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        "serve" | "migrate" | "config" | "doctor" | "healthcheck" | "seed" | "export"
        | "import" | "admin" => {}
        other => {
            eprintln!("quill: unknown command `{other}`\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("quill: configuration error: {e}");
            // Docker reserves health-check exit code 2; anything but 0 means unhealthy.
            return if command == "healthcheck" {
                ExitCode::FAILURE
            } else {
                ExitCode::from(2)
            };
        }
    };
    match command.as_str() {
        "config" => {
            cli::print_config(&settings);
            return ExitCode::SUCCESS;
        }
        "healthcheck" => {
            return if cli::healthcheck(&settings) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("quill: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let outcome = match command.as_str() {
            "migrate" => cli::migrate(&settings).await,
            "seed" => {
                let args: Vec<String> = std::env::args().skip(2).collect();
                match seed::SeedSize::from_args(&args) {
                    Ok(size) => seed::seed(&settings, size).await,
                    Err(e) => {
                        eprintln!("quill seed: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            "export" | "import" => {
                let args: Vec<String> = std::env::args().skip(2).collect();
                let [file] = args.as_slice() else {
                    eprintln!("quill {command}: give one FILE, e.g. `quill {command} site.jsonl`");
                    return ExitCode::from(2);
                };
                let path = std::path::Path::new(file);
                if command == "export" {
                    transfer::export(&settings, path).await
                } else {
                    transfer::import(&settings, path).await
                }
            }
            "admin" => {
                let args: Vec<String> = std::env::args().skip(2).collect();
                match cli::RoleChange::from_args(&args) {
                    Ok(change) => cli::admin(&settings, change).await,
                    Err(e) => {
                        eprintln!("quill admin: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            "doctor" => {
                if cli::doctor(&settings).await {
                    Ok(())
                } else {
                    return ExitCode::FAILURE;
                }
            }
            _ => serve(&settings).await,
        };
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("quill: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    telemetry::init_logging(settings.log_format, &settings.log_level);
    if settings.environment == quill::settings::Environment::Production
        && matches!(&settings.cors_origins, quill::settings::CorsOrigins::List(l) if l.is_empty())
    {
        tracing::warn!("CORS_ORIGINS is not set: browsers on other origins cannot call this API");
    }
    let app = startup::Application::build(settings).await?;
    app.run_until_stopped(startup::shutdown_signal()).await
}
