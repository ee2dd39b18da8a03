//! PHP's parser (zend_ini_parser.y), as far as a value's errors go.
//!
//! The grammar reads a value as a flat list of tokens; whether they
//! combine (`strings`, `expr | expr`, `~expr`, `(expr)`, a boolean only as
//! the whole value) is decided here, with the message PHP's bison parser
//! prints for the first token that does not fit.

use crate::php::syntax::MAX_PAREN_DEPTH;

/// PHP's name for a token in "unexpected X" messages.
pub(crate) fn quote_char(c: char) -> String {
    format!("'{c}'")
}

/// The parser states of a value that matter for PHP's error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExprState {
    /// Right after `=`: a boolean, an empty value or an expression may come.
    Start,
    /// After a whole-value boolean or null word: only the end may come.
    AfterBool,
    /// After an operator or `(`: an operand must come.
    Operand,
    /// After a string (which more strings may extend).
    AfterString,
    /// After `)`.
    AfterParen,
}

/// What a token is to PHP's parser.
pub(crate) enum Token<'a> {
    /// A piece of a string list (TC_STRING, TC_CONSTANT, '"', ...), by PHP's name.
    String(&'a str),
    Bool(&'static str),
    Unary(char),
    Binary(char),
    Open,
    Close,
    /// END_OF_LINE: the value ended.
    EndOfLine,
    /// The scanner gave up (an unterminated `'`): PHP's "end of file".
    EndOfFile,
}

/// PHP's bison parser for one value, as far as errors go.
pub(crate) struct ExprCheck {
    state: ExprState,
    depth: usize,
}

/// What the expression checker says about a token.
pub(crate) enum Verdict {
    Ok,
    /// A syntax error, with PHP's message.
    Error(String),
    /// PHP's scanner stopped but its parser was content: PHP ignores the
    /// rest of the file without a word.
    SilentEnd,
}

impl ExprCheck {
    pub(crate) fn new() -> Self {
        ExprCheck { state: ExprState::Start, depth: 0 }
    }

    /// Take the next token; what PHP says about it.
    pub(crate) fn feed(&mut self, token: &Token<'_>) -> Verdict {
        use ExprState::*;
        let name = match token {
            Token::String(n) => n.to_string(),
            Token::Bool(n) => n.to_string(),
            Token::Unary(c) | Token::Binary(c) => quote_char(*c),
            Token::Open => "'('".to_string(),
            Token::Close => "')'".to_string(),
            Token::EndOfLine => "END_OF_LINE".to_string(),
            Token::EndOfFile => "end of file".to_string(),
        };
        let after_operand = matches!(self.state, AfterString | AfterParen);
        // Inside parentheses after an operand, bison has reduced to
        // `'(' expr . ')'` and names what it expects there.
        let unexpected = |depth: usize| {
            if after_operand && depth > 0 {
                Verdict::Error(format!("syntax error, unexpected {name}, expecting '^' or '|' or '&' or ')'"))
            } else {
                Verdict::Error(format!("syntax error, unexpected {name}"))
            }
        };
        match (self.state, token) {
            (Start, Token::EndOfLine) => Verdict::Ok,
            (Start, Token::Bool(_)) => {
                self.state = AfterBool;
                Verdict::Ok
            }
            (AfterBool, Token::EndOfLine) => Verdict::Ok,
            (AfterBool, Token::EndOfFile) => Verdict::SilentEnd,
            (Start | Operand | AfterString, Token::String(_)) => {
                self.state = AfterString;
                Verdict::Ok
            }
            (Start | Operand, Token::Unary(_)) => {
                self.state = Operand;
                Verdict::Ok
            }
            (Start | Operand, Token::Open) => {
                if self.depth >= MAX_PAREN_DEPTH {
                    return Verdict::Error(format!("parentheses nested deeper than {MAX_PAREN_DEPTH} levels"));
                }
                self.depth += 1;
                self.state = Operand;
                Verdict::Ok
            }
            (AfterString | AfterParen, Token::Binary(_)) => {
                self.state = Operand;
                Verdict::Ok
            }
            (AfterString | AfterParen, Token::Close) if self.depth > 0 => {
                self.depth -= 1;
                self.state = AfterParen;
                Verdict::Ok
            }
            (AfterString | AfterParen, Token::EndOfLine) if self.depth == 0 => Verdict::Ok,
            (AfterString | AfterParen, Token::EndOfFile) if self.depth == 0 => Verdict::SilentEnd,
            _ => unexpected(self.depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed tokens; the first error, or None.
    fn first_error(tokens: &[Token<'_>]) -> Option<String> {
        let mut check = ExprCheck::new();
        tokens.iter().find_map(|t| match check.feed(t) {
            Verdict::Error(message) => Some(message),
            _ => None,
        })
    }

    #[test]
    fn accepts_what_php_accepts() {
        let s = Token::String("TC_STRING");
        let ok: &[&[Token<'_>]] = &[
            &[Token::EndOfLine],
            &[Token::Bool("BOOL_TRUE"), Token::EndOfLine],
            &[Token::String("TC_CONSTANT"), Token::Binary('&'), Token::Unary('~'), Token::String("TC_CONSTANT")],
            &[Token::Unary('!'), Token::Open, Token::String("TC_NUMBER"), Token::Close, Token::EndOfLine],
            &[Token::String("TC_WHITESPACE"), Token::String("'\"'"), s, Token::EndOfLine],
        ];
        for tokens in ok {
            assert_eq!(first_error(tokens), None);
        }
    }

    #[test]
    fn refuses_with_phps_words() {
        let s = || Token::String("TC_STRING");
        let cases: Vec<(Vec<Token<'_>>, &str)> = vec![
            (vec![Token::Bool("BOOL_TRUE"), Token::String("TC_CONSTANT")], "syntax error, unexpected TC_CONSTANT"),
            (vec![s(), Token::Bool("BOOL_FALSE")], "syntax error, unexpected BOOL_FALSE"),
            (vec![s(), Token::Open], "syntax error, unexpected '('"),
            (vec![Token::Close], "syntax error, unexpected ')'"),
            (vec![Token::Unary('~'), Token::EndOfLine], "syntax error, unexpected END_OF_LINE"),
            (vec![Token::EndOfFile], "syntax error, unexpected end of file"),
            (
                vec![Token::Open, s(), Token::EndOfLine],
                "syntax error, unexpected END_OF_LINE, expecting '^' or '|' or '&' or ')'",
            ),
            (vec![Token::Open, s(), Token::Close, s()], "syntax error, unexpected TC_STRING"),
        ];
        for (tokens, message) in cases {
            assert_eq!(first_error(&tokens).as_deref(), Some(message));
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut check = ExprCheck::new();
        for _ in 0..MAX_PAREN_DEPTH {
            assert!(matches!(check.feed(&Token::Open), Verdict::Ok));
        }
        assert!(matches!(check.feed(&Token::Open), Verdict::Error(_)));
    }

    #[test]
    fn an_unterminated_quote_after_a_value_ends_silently() {
        let mut check = ExprCheck::new();
        check.feed(&Token::String("TC_STRING"));
        assert!(matches!(check.feed(&Token::EndOfFile), Verdict::SilentEnd));
    }
}
