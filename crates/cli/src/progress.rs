use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use minsheng_app::Progress;

/// indicatif bars on stderr; indicatif hides them when stderr is not a terminal.
pub struct Bars {
    bar: Mutex<ProgressBar>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars {
            bar: Mutex::new(ProgressBar::hidden()),
        }
    }

    fn bar(&self) -> MutexGuard<'_, ProgressBar> {
        self.bar.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, total: Option<u64>) {
        let mut current = self.bar();
        current.finish_and_clear();
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{msg:>12} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner(),
        };
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        *current = bar;
    }

    fn advance(&self, n: u64) {
        self.bar().inc(n);
    }

    fn finish(&self) {
        self.bar().finish_and_clear();
    }
}
