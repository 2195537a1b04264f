//! The server's connection over standard input and output. A thread reads
//! the client's messages into a queue that the server drains as it goes,
//! so that a `$/cancelRequest` sent while the server is busy is already
//! waiting beside the request it cancels when the server looks
//! (`server::handle_waiting`). A hand-over channel, which holds only the
//! one message being handed over, would keep every later message unread
//! until the server asked for it, and no cancellation would ever be seen.
//! The queue is bounded: a client that sends faster than the server works
//! waits for it, and the server's memory does not grow with the backlog.

use lsp_server::{Connection, Message};
use std::io;
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
            while let Some(message) = Message::read(&mut input)? {
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
