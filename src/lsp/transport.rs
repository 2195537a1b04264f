//! The server's connection over standard input and output. A thread reads
//! the client's messages into a queue that the server drains as it goes,
//! so that a `$/cancelRequest` sent while the server is busy is already
//! waiting beside the request it cancels when the server looks
//! (`server::handle_waiting`). A hand-over channel, which holds only the
//! one message being handed over, would keep every later message unread
//! until the server asked for it, and no cancellation would ever be seen.
//! The queue is bounded: a client that sends faster than the server works
//! waits for it, and the server's memory does not grow with the backlog.
//!
//! A message that cannot be read (a header without `Content-Length`, a
//! body that is not JSON-RPC, one larger than any document the compiler
//! would check) is skipped, and said on standard error: it has no id to
//! answer. The server goes on serving.

use lsp_server::{Connection, Message};
use std::io::{self, BufRead, Read};
use std::thread::JoinHandle;

/// How many messages may wait for the server: far more than a burst of
/// edits and cancellations, few enough to keep a flood bounded.
const QUEUED: usize = 1024;

/// The threads that read and write standard input and output.
pub struct StdioThreads {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl StdioThreads {
    /// Waits for both threads: the writer ends once the connection's
    /// sender is dropped, the reader at `exit` or the end of input.
    pub fn join(self) -> io::Result<()> {
        let reader = self
            .reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the reader thread stopped")));
        let writer = self
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread stopped")));
        reader.and(writer)
    }
}

/// A connection over standard input and output.
pub fn stdio() -> io::Result<(Connection, StdioThreads)> {
    let (to_server, from_client) = crossbeam_channel::bounded::<Message>(QUEUED);
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let reader = std::thread::Builder::new()
        .name("pipec-lsp-reader".to_string())
        .spawn(move || {
            let mut input = io::stdin().lock();
            loop {
                let message = match read_frame(&mut input)? {
                    Frame::End => break,
                    Frame::Message(message) => message,
                    Frame::Skipped(reason) => {
                        eprintln!("pipec lsp: skipped a message: {reason}");
                        continue;
                    }
                };
                let exit = matches!(&message, Message::Notification(note) if note.method == "exit");
                // The server has stopped listening: nothing more to read.
                if to_server.send(message).is_err() || exit {
                    break;
                }
            }
            Ok(())
        })?;
    let writer = std::thread::Builder::new()
        .name("pipec-lsp-writer".to_string())
        .spawn(move || {
            let mut output = io::stdout().lock();
            for message in from_server {
                message.write(&mut output)?;
            }
            Ok(())
        })?;
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((connection, StdioThreads { reader, writer }))
}

/// The largest message read: a document of the largest file the compiler
/// checks, every byte escaped in JSON (six bytes at most), and room for
/// the rest of the message.
const MAX_MESSAGE_BYTES: usize = 6 * crate::syntax::MAX_FILE_BYTES + (1 << 20);

/// The longest header line read.
const MAX_HEADER_BYTES: u64 = 8 * 1024;

/// What one read of the input found.
enum Frame {
    Message(Message),
    /// A message that could not be read, and why.
    Skipped(String),
    /// The end of the input.
    End,
}

/// Reads one message: its headers (only `Content-Length` is read) and
/// its body. A header that cannot be read is skipped alone, so that the
/// reader finds the next message's headers.
fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let skipped = |reason: String| Ok(Frame::Skipped(reason));
    let mut size = None;
    loop {
        let mut line = Vec::new();
        input
            .by_ref()
            .take(MAX_HEADER_BYTES)
            .read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Ok(Frame::End);
        }
        let Some(header) = line.strip_suffix(b"\r\n") else {
            return skipped(format!(
                "a header line does not end with CR LF: {:?}",
                String::from_utf8_lossy(&line)
            ));
        };
        if header.is_empty() {
            break;
        }
        let header = String::from_utf8_lossy(header);
        let Some((name, value)) = header.split_once(": ") else {
            return skipped(format!("a header is not `Name: value`: {header:?}"));
        };
        if name.eq_ignore_ascii_case("Content-Length") {
            match value.trim().parse::<usize>() {
                Ok(length) => size = Some(length),
                Err(_) => return skipped(format!("`Content-Length` is not a size: {value:?}")),
            }
        }
    }
    let Some(size) = size else {
        return skipped("a message has no `Content-Length`".to_string());
    };
    if size > MAX_MESSAGE_BYTES {
        io::copy(&mut input.by_ref().take(size as u64), &mut io::sink())?;
        return skipped(format!(
            "a message of {size} bytes, more than the {MAX_MESSAGE_BYTES} the server reads"
        ));
    }
    let mut body = Vec::with_capacity(size);
    input.by_ref().take(size as u64).read_to_end(&mut body)?;
    if body.len() < size {
        return Ok(Frame::End);
    }
    match serde_json::from_slice::<Message>(&body) {
        Ok(message) => Ok(Frame::Message(message)),
        Err(error) => skipped(format!("not a JSON-RPC message: {error}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut input = input;
        let mut found = Vec::new();
        loop {
            match read_frame(&mut input).unwrap() {
                Frame::End => return found,
                Frame::Message(Message::Request(request)) => found.push(request.method),
                Frame::Message(Message::Notification(note)) => found.push(note.method),
                Frame::Message(Message::Response(_)) => found.push("response".to_string()),
                Frame::Skipped(_) => found.push("skipped".to_string()),
            }
        }
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn an_unreadable_message_is_skipped_and_the_next_is_read() {
        let exit = framed(r#"{"jsonrpc":"2.0","method":"exit"}"#);
        let input = [
            framed("{bad}"),
            framed("[]"),
            framed(r#"{"jsonrpc":"2.0","method":5}"#),
            "Content-Length: x\r\n".to_string(),
            "\r\n".to_string(),
            "no header at all\n".to_string(),
            exit.clone(),
        ]
        .concat();
        assert_eq!(
            frames(input.as_bytes()),
            [
                "skipped", "skipped", "skipped", "skipped", "skipped", "skipped", "exit"
            ]
        );
    }

    #[test]
    fn a_message_larger_than_any_document_is_skipped_unread() {
        let huge = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1);
        let mut input = huge.into_bytes();
        input.resize(input.len() + MAX_MESSAGE_BYTES + 1, b'x');
        input.extend(framed(r#"{"jsonrpc":"2.0","method":"exit"}"#).bytes());
        assert_eq!(frames(&input), ["skipped", "exit"]);
        // A length past the end of the input is its end, not an allocation.
        let lying = "Content-Length: 18446744073709551615\r\n\r\n{}";
        assert_eq!(frames(lying.as_bytes()), ["skipped"]);
    }
}
