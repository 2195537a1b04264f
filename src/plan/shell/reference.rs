//! A value where the scanner stands: the reference to its variable
//! written for that context, or the reason none is safe there.

use super::scanner::{Frame, Scanner};
use super::{Refusal, ShellError};

impl Scanner<'_> {
    /// A value: a reference for where it stands, or a refusal.
    pub(super) fn value(&mut self, piece: usize, value: &str) -> Result<(), ShellError> {
        let refused = |refusal| Err(ShellError::Refused { piece, refusal });
        for frame in &self.stack {
            match frame {
                Frame::Arithmetic { place, .. } => return refused(Refusal::Arithmetic(*place)),
                Frame::Code(_, command) => {
                    if let Some(name) = command.reevaluates {
                        return refused(Refusal::Reevaluated(name));
                    }
                }
                _ => {}
            }
        }
        // Where bash reads the word as arithmetic or as a name. A value in
        // a comment does nothing; one in `${...}` is refused below.
        let in_brace = self
            .stack
            .iter()
            .rev()
            .find(|frame| !matches!(frame, Frame::Single | Frame::Double))
            .is_some_and(|frame| matches!(frame, Frame::Brace(_)));
        let in_comment = self
            .stack
            .iter()
            .any(|frame| matches!(frame, Frame::Comment));
        if !in_brace && !in_comment {
            if let Some(attribute) = self.attribute {
                return refused(attribute);
            }
            for frame in &mut self.stack {
                if let Frame::Code(_, command) = frame
                    && let Some(refusal) = command.value(piece)
                {
                    return refused(refusal);
                }
            }
            self.first_value.get_or_insert(piece);
        }
        // The nearest frame that is not a quote decides, with the quote.
        let mut quote = None;
        let mut decides = None;
        for frame in self.stack.iter().rev() {
            match frame {
                Frame::Single | Frame::Double if quote.is_none() => quote = Some(frame),
                Frame::Single | Frame::Double => {}
                _ => {
                    decides = Some(frame);
                    break;
                }
            }
        }
        if let Some(Frame::Brace(_)) = decides {
            return refused(Refusal::ParameterExpansion);
        }
        let name = super::variable(self.values.number(value));
        let reference = match (decides, quote) {
            (Some(Frame::Comment), _) => format!("${{{name}}}"),
            (_, Some(Frame::Double)) => format!("${{{name}}}"),
            (_, Some(Frame::Single)) => format!("'\"${{{name}}}\"'"),
            (Some(Frame::Body(_)), None) => format!("${{{name}}}"),
            _ => format!("\"${{{name}}}\""),
        };
        self.out.push_str(&reference);
        self.taint_word();
        Ok(())
    }
}
