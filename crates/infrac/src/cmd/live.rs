//! The live view of a run on the user's terminal: one line per resource redrawn in place (the
//! pure frame comes from `infrac_deploy::progress`; the escapes, the ticker thread and the
//! terminal size are here), or one plain line per event where stderr is no terminal.

use super::use_color;
use infrac_deploy::progress::{plain_line, Board, Size as ProgressSize};
use infrac_deploy::{Event, Progress};
use infrac_plan::{Plan, ResourceType};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How a run shows its progress: on a terminal (stderr, where progress goes, unless
/// `TERM=dumb`), one live line per resource redrawn in place; elsewhere one plain line as
/// each resource starts and ends. Colour follows `use_color` (never with `NO_COLOR`).
pub struct ProgressView {
    progress: Progress,
    live: Option<Arc<Live>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ProgressView {
    pub fn new(plan: &Plan) -> ProgressView {
        let stderr = std::io::stderr();
        let color = use_color(&stderr);
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !stderr.is_terminal() || dumb {
            return ProgressView {
                progress: plain_printer(plan, color),
                live: None,
                ticker: None,
            };
        }
        let board = Board::new(plan.steps.iter().map(|s| (s.id.as_str(), s.ty)));
        let live = Arc::new(Live {
            inner: Mutex::new(LiveInner {
                board,
                drawn: 0,
                origin: Instant::now(),
                color,
            }),
            stop: AtomicBool::new(false),
        });
        live.redraw();
        let ticking = Arc::clone(&live);
        let ticker = std::thread::spawn(move || {
            while !ticking.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                ticking.redraw();
            }
        });
        let events = Arc::clone(&live);
        ProgressView {
            progress: Arc::new(move |event: &Event| {
                {
                    let mut inner = events.inner();
                    let at = inner.origin.elapsed();
                    inner.board.apply(event, at);
                }
                events.redraw();
            }),
            live: Some(live),
            ticker: Some(ticker),
        }
    }

    /// What the engine reports to.
    pub fn progress(&self) -> Progress {
        Arc::clone(&self.progress)
    }

    /// Stops redrawing and leaves the last frame on screen.
    pub fn finish(&mut self) {
        if let Some(live) = &self.live {
            live.stop.store(true, Ordering::SeqCst);
            if let Some(ticker) = self.ticker.take() {
                let _ = ticker.join();
            }
            live.redraw();
        }
        self.live = None;
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The live board and how many of its lines are on screen below the cursor's line.
pub struct Live {
    inner: Mutex<LiveInner>,
    stop: AtomicBool,
}

struct LiveInner {
    board: Board,
    drawn: usize,
    origin: Instant,
    color: bool,
}

impl Live {
    fn inner(&self) -> std::sync::MutexGuard<'_, LiveInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the cursor back over the live lines and writes the frame in their place.
    fn redraw(&self) {
        let mut inner = self.inner();
        // A terminal that does not say its size (0 x 0, as some PTYs do) gets the classic one.
        let size = terminal_size::terminal_size_of(std::io::stderr())
            .filter(|(w, h)| w.0 > 0 && h.0 > 0)
            .map_or(ProgressSize { rows: 24, cols: 80 }, |(w, h)| ProgressSize {
                rows: usize::from(h.0),
                cols: usize::from(w.0),
            });
        let now = inner.origin.elapsed();
        let color = inner.color;
        let frame = inner.board.frame(now, size, color);
        let mut out = String::new();
        if inner.drawn > 0 {
            out.push_str(&format!("\r\x1b[{}A", inner.drawn));
        }
        for line in frame.commit.iter().chain(&frame.live) {
            out.push_str("\x1b[2K");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("\x1b[J");
        inner.drawn = frame.live.len();
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(out.as_bytes());
        let _ = stderr.flush();
    }
}

/// Prints the engine's events: one line per resource as it starts and as it ends.
fn plain_printer(plan: &Plan, color: bool) -> Progress {
    let types: HashMap<String, ResourceType> =
        plan.steps.iter().map(|s| (s.id.clone(), s.ty)).collect();
    let lock = Arc::new(Mutex::new(()));
    Arc::new(move |event: &Event| {
        let _guard = lock.lock();
        let id = match event {
            Event::Started { id, .. }
            | Event::Done { id, .. }
            | Event::Failed { id, .. }
            | Event::Waiting { id, .. }
            | Event::Refreshed { id, .. }
            | Event::Note { id, .. } => id,
        };
        let ty = types.get(id).map_or("", |t| t.as_str());
        if let Some(line) = plain_line(event, ty, color) {
            eprintln!("{line}");
        }
    })
}
