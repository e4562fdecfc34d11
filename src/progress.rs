//! Progress of the long commands (`seed`, `export`, `import`): a bar with counts and rate on a
//! terminal, and on anything else (a CI log, a file) a plain line every few seconds, since a
//! redrawn bar there is either lost or a wall of control characters.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};

const LINE_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    what: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress of `what` (e.g. "articles"), out of `total` when it is known.
    pub fn new(what: &str, total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = if total.is_some() {
                "{msg:>14} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}"
            } else {
                "{msg:>14} {human_pos} {per_sec} {elapsed}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .expect("the template is valid")
                    .progress_chars("=> "),
            );
            bar.set_message(what.to_string());
            bar
        });
        let now = Instant::now();
        Self {
            what: what.to_string(),
            total,
            done: 0,
            started: now,
            last_line: now,
            bar,
        }
    }

    pub fn inc(&mut self, n: u64) {
        self.done += n;
        match &self.bar {
            Some(bar) => bar.inc(n),
            None if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                eprintln!("{}", self.line());
            }
            None => {}
        }
    }

    pub fn finish(self) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None => eprintln!("{}", self.line()),
        }
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = HumanCount((self.done as f64 / secs) as u64);
        match self.total {
            Some(total) => format!(
                "{}: {}/{} ({rate}/s)",
                self.what,
                HumanCount(self.done),
                HumanCount(total)
            ),
            None => format!("{}: {} ({rate}/s)", self.what, HumanCount(self.done)),
        }
    }
}
