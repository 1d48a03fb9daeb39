//! How the command fails: one line with the error's code and message, then the request id and
//! the field errors when there are some, and an exit status per class of failure.

use std::process::ExitCode;

use procore::ErrorCode;

/// The exit statuses (also in `procore --help`).
pub const USAGE: u8 = 2;
pub const NETWORK: u8 = 3;
pub const AUTH: u8 = 4;
pub const API: u8 = 5;
pub const OTHER: u8 = 1;

/// The exit statuses, for `--help`.
pub const EXIT_HELP: &str = "Exit status: 0 success, 1 other failure, 2 usage (a bad argument, \
an invalid call), 3 network or timeout, 4 authorization (log in again, reconnect the app), \
5 an error answer from the API (not found, validation, rate limited, server).";

/// A failure of the command.
pub struct Failure {
    status: u8,
    text: String,
}

impl Failure {
    /// A usage error (a bad argument of the command line).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            status: USAGE,
            text: message.into(),
        }
    }

    /// Anything else that is not the SDK's error.
    pub fn other(message: impl Into<String>) -> Failure {
        Failure {
            status: OTHER,
            text: message.into(),
        }
    }

    /// Prints it and gives the exit status.
    pub fn report(self) -> ExitCode {
        eprintln!("procore: {}", self.text);
        ExitCode::from(self.status)
    }
}

/// The exit status of an SDK error code.
pub fn status_of(kind: ErrorCode) -> u8 {
    match kind {
        ErrorCode::Config | ErrorCode::InvalidCall => USAGE,
        ErrorCode::Network | ErrorCode::Timeout => NETWORK,
        ErrorCode::Unauthorized
        | ErrorCode::ReauthorizationRequired
        | ErrorCode::Forbidden
        | ErrorCode::AppNotConnected
        | ErrorCode::Oauth
        | ErrorCode::StateMismatch => AUTH,
        ErrorCode::NotFound
        | ErrorCode::Validation
        | ErrorCode::BadRequest
        | ErrorCode::RateLimited
        | ErrorCode::Server
        | ErrorCode::Http
        | ErrorCode::Decode
        | ErrorCode::Upload => API,
        ErrorCode::Store => OTHER,
    }
}

impl From<procore::Error> for Failure {
    fn from(e: procore::Error) -> Failure {
        let mut text = format!("{}: {e}", e.code());
        if let Some(id) = e.request_id() {
            text.push_str(&format!("\n  request id: {id}"));
        }
        if let Some(fields) = e.validation_errors().filter(|f| !f.is_empty()) {
            text.push_str("\n  field errors:");
            for (field, messages) in fields {
                text.push_str(&format!("\n    {field}: {}", messages.join("; ")));
            }
        }
        Failure {
            status: status_of(e.kind()),
            text,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::other(message)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::other(e.to_string())
    }
}
