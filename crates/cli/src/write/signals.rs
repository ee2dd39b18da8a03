//! SIGINT, SIGTERM, SIGHUP and SIGQUIT stop a run within a moment, leaving
//! every file old or new: before the run writes anything the process just
//! exits (nothing is half-done: reading and fixing happen in memory); while
//! it writes, they set a flag, the run stops before the next file, and the
//! writer checks the flag right before it puts a file in place.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Set by SIGINT, SIGTERM, SIGHUP or SIGQUIT once [`install_signal_handlers`]
/// ran: stop before the next file. The writer checks it right before each
/// rename (or in-place write) and then writes nothing.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The signal that set [`INTERRUPTED`], 0 if none did.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Set while the run writes files: a signal then only sets the flag.
static WRITING: AtomicBool = AtomicBool::new(false);

/// Say that the run starts (`true`) or stops (`false`) writing files.
pub fn set_writing(writing: bool) {
    WRITING.store(writing, Ordering::SeqCst);
}

/// The signals that interrupt a run.
pub const INTERRUPTING_SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// Whether an interrupting signal arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The signal that interrupted the run (for an exit status of 128 + it).
pub fn interrupt_signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    SIGNAL.store(signal, Ordering::SeqCst);
    INTERRUPTED.store(true, Ordering::SeqCst);
    if !WRITING.load(Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe; nothing is being written, so
        // no file is left half-done (temp files exist only while writing).
        unsafe { libc::_exit(128 + signal) };
    }
}

/// Install handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that only set
/// [`INTERRUPTED`]. A signal the process inherited as ignored (`nohup`, a
/// background job of a non-interactive shell) stays ignored. `SA_RESTART`:
/// system calls in flight are restarted, not failed with `EINTR`.
pub fn install_signal_handlers() {
    for signal in INTERRUPTING_SIGNALS {
        // SAFETY: `sigaction` is given valid pointers to zero-initialised
        // `sigaction` structs (an all-zero `struct sigaction` is valid: no
        // handler, empty mask, no flags) that live across the call; the
        // handler installed only stores to atomics, which is
        // async-signal-safe.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) != 0 || old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}
