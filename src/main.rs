use std::process::ExitCode;

use quill::cli::{self, Cli, Command};
use quill::settings::Settings;
use quill::{seed, startup, telemetry, transfer};

/// Requests allocate many short-lived strings and rows across threads; mimalloc serves that
/// pattern with less CPU than the system allocator (measured in docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 done, 1 failed, 2 misused (clap's usage errors) or misconfigured.
fn main() -> ExitCode {
    let command = Cli::parse_or_exit().command.unwrap_or(Command::Serve);
    if let Command::Version = command {
        println!("quill {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("quill: configuration error: {e}");
            // Docker reserves health-check exit code 2; anything but 0 means unhealthy.
            return if let Command::Healthcheck = command {
                ExitCode::FAILURE
            } else {
                ExitCode::from(2)
            };
        }
    };
    let outcome = match command {
        Command::Version => unreachable!("answered before the settings are read"),
        Command::Serve => block_on(serve(&settings)),
        Command::Migrate => block_on(cli::migrate(&settings)),
        Command::Seed(size) => block_on(seed::seed(&settings, size)),
        Command::Export { file } => block_on(transfer::export(&settings, &file)),
        Command::Import { file } => block_on(transfer::import(&settings, &file)),
        Command::Admin { change } => block_on(cli::admin(&settings, change)),
        Command::Config => {
            cli::print_config(&settings);
            Ok(())
        }
        // These two report on stdout themselves, or (healthcheck) only by their exit code.
        Command::Doctor => match block_on(async { Ok(cli::doctor(&settings).await) }) {
            Ok(passed) => return passed_or_failed(passed),
            Err(e) => Err(e),
        },
        Command::Healthcheck => return passed_or_failed(cli::healthcheck(&settings)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quill: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command on a runtime of its own: `config` and `healthcheck` need none.
fn block_on<T>(command: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?
        .block_on(command)
}

fn passed_or_failed(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
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
