//! The formula language: a small expression syntax, parsed into a tree with byte spans so that
//! every error can point at file, line and column.
//!
//! ```text
//! expr    := "if" expr "then" expr "else" expr | or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | postfix
//! postfix := primary ("[" expr "]")*
//! primary := number | number "元" | "true" | "false" | 'code' | name ("." name)*
//!          | ("min" | "max") "(" expr ("," expr)* ")"
//!          | ("sum" | "count" | "any" | "all" | "max" | "min") "(" "members" ("where" expr)? (":" expr)? ")"
//!          | "(" expr ")"
//! ```

use std::fmt;

/// Byte offsets into the formula text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "≤",
            BinOp::Gt => ">",
            BinOp::Ge => "≥",
            BinOp::Eq => "=",
            BinOp::Ne => "≠",
            BinOp::And => "且",
            BinOp::Or => "或",
        }
    }

    /// The symbol for the comparison that failed: "1,120.00 元 ≥ 1,045.00 元" when `<` did not hold.
    pub fn negated_symbol(self) -> &'static str {
        match self {
            BinOp::Lt => "≥",
            BinOp::Le => ">",
            BinOp::Gt => "≤",
            BinOp::Ge => "<",
            BinOp::Eq => "≠",
            BinOp::Ne => "=",
            other => other.symbol(),
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Count,
    Any,
    All,
    Max,
    Min,
}

impl Aggregate {
    fn parse(name: &str) -> Option<Aggregate> {
        Some(match name {
            "sum" => Aggregate::Sum,
            "count" => Aggregate::Count,
            "any" => Aggregate::Any,
            "all" => Aggregate::All,
            "max" => Aggregate::Max,
            "min" => Aggregate::Min,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Count => "count",
            Aggregate::Any => "any",
            Aggregate::All => "all",
            Aggregate::Max => "max",
            Aggregate::Min => "min",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    /// Decimal text, kept exact until the checker knows its type.
    Decimal(String),
    /// A money literal: `6元`, `1045.00元`.
    Yuan(String),
    Bool(bool),
    /// A code: `'urban'`.
    Code(String),
    /// `name`, `household.name`, `p.dibao.standard`.
    Path(Vec<String>),
    Index(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `min(a, b, …)`, `max(a, b, …)` over values.
    Extreme {
        max: bool,
        args: Vec<Expr>,
    },
    /// Over the group's members (`members`, or the plural the policy declares for them, such
    /// as `lines`), optionally filtered.
    Members {
        aggregate: Aggregate,
        over: String,
        filter: Option<Box<Expr>>,
        body: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Int(i64),
    Decimal(String),
    Yuan(String),
    Code(String),
    Ident(String),
    Symbol(&'static str),
    End,
}

#[derive(Clone)]
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

const SYMBOLS: &[&str] = &[
    "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".", ":",
];

impl Lexer<'_> {
    fn next(&mut self) -> Result<(Token, Span), SyntaxError> {
        let rest = &self.text[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let Some(c) = trimmed.chars().next() else {
            return Ok((Token::End, Span { start, end: start }));
        };
        let token = if c.is_ascii_digit() {
            let len = trimmed
                .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
                .unwrap_or(trimmed.len());
            let digits = &trimmed[..len];
            self.pos += len;
            if trimmed[len..].starts_with('元') {
                self.pos += '元'.len_utf8();
                Token::Yuan(digits.to_string())
            } else if digits.contains('.') {
                Token::Decimal(digits.to_string())
            } else {
                Token::Int(digits.parse().map_err(|_| SyntaxError {
                    span: Span {
                        start,
                        end: self.pos,
                    },
                    message: format!("{digits} is too large"),
                })?)
            }
        } else if c.is_alphabetic() || c == '_' {
            let len = trimmed
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(trimmed.len());
            self.pos += len;
            Token::Ident(trimmed[..len].to_string())
        } else if c == '\'' {
            let Some(len) = trimmed[1..].find('\'') else {
                return Err(SyntaxError {
                    span: Span {
                        start,
                        end: self.text.len(),
                    },
                    message: "a code in quotes is not closed".into(),
                });
            };
            self.pos += len + 2;
            Token::Code(trimmed[1..=len].to_string())
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| trimmed.starts_with(**s)) {
            self.pos += symbol.len();
            Token::Symbol(symbol)
        } else {
            return Err(SyntaxError {
                span: Span {
                    start,
                    end: start + c.len_utf8(),
                },
                message: format!("unexpected character '{c}'"),
            });
        };
        Ok((
            token,
            Span {
                start,
                end: self.pos,
            },
        ))
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    token: Token,
    span: Span,
}

pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    let mut lexer = Lexer { text, pos: 0 };
    let (token, span) = lexer.next()?;
    let mut parser = Parser { lexer, token, span };
    let expr = parser.expr()?;
    if parser.token != Token::End {
        return Err(parser.error("expected the end of the formula"));
    }
    Ok(expr)
}

impl Parser<'_> {
    fn bump(&mut self) -> Result<(Token, Span), SyntaxError> {
        let (token, span) = self.lexer.next()?;
        let previous = std::mem::replace(&mut self.token, token);
        let previous_span = std::mem::replace(&mut self.span, span);
        Ok((previous, previous_span))
    }

    fn error(&self, message: &str) -> SyntaxError {
        let found = match &self.token {
            Token::End => "the end".to_string(),
            Token::Int(i) => i.to_string(),
            Token::Decimal(d) | Token::Yuan(d) => d.clone(),
            Token::Code(c) => format!("'{c}'"),
            Token::Ident(i) => i.clone(),
            Token::Symbol(s) => (*s).to_string(),
        };
        SyntaxError {
            span: self.span,
            message: format!("{message}, found {found}"),
        }
    }

    /// Whether the call `name(` goes on over members: `members`, or a name followed by
    /// `where`, `:` or (for an aggregate that is not also min/max of values) `)`.
    fn goes_over_members(&self, name: &str) -> bool {
        let Token::Ident(word) = &self.token else {
            return false;
        };
        if word == "members" {
            return true;
        }
        let after = self.lexer.clone().next().map(|(t, _)| t);
        match after {
            Ok(Token::Ident(w)) => w == "where",
            Ok(Token::Symbol(":")) => true,
            Ok(Token::Symbol(")")) => {
                Aggregate::parse(name).is_some() && !matches!(name, "max" | "min")
            }
            _ => false,
        }
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(&self.token, Token::Ident(i) if i == word)
    }

    fn is_symbol(&self, symbol: &str) -> bool {
        matches!(&self.token, Token::Symbol(s) if *s == symbol)
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<Span, SyntaxError> {
        if self.is_symbol(symbol) {
            Ok(self.bump()?.1)
        } else {
            Err(self.error(&format!("expected '{symbol}'")))
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), SyntaxError> {
        if self.is_keyword(word) {
            self.bump()?;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{word}'")))
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_keyword("if") {
            let start = self.bump()?.1.start;
            let condition = self.expr()?;
            self.expect_keyword("then")?;
            let then = self.expr()?;
            self.expect_keyword("else")?;
            let otherwise = self.expr()?;
            let span = Span {
                start,
                end: otherwise.span.end,
            };
            return Ok(Expr {
                kind: ExprKind::If(Box::new(condition), Box::new(then), Box::new(otherwise)),
                span,
            });
        }
        self.or()
    }

    fn binary(left: Expr, op: BinOp, right: Expr) -> Expr {
        let span = Span {
            start: left.span.start,
            end: right.span.end,
        };
        Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while self.is_keyword("or") {
            self.bump()?;
            let right = self.and()?;
            left = Parser::binary(left, BinOp::Or, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.not()?;
        while self.is_keyword("and") {
            self.bump()?;
            let right = self.not()?;
            left = Parser::binary(left, BinOp::And, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_keyword("not") {
            let start = self.bump()?.1.start;
            let inner = self.not()?;
            let span = Span {
                start,
                end: inner.span.end,
            };
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.sum()?;
        let op = match &self.token {
            Token::Symbol("<") => BinOp::Lt,
            Token::Symbol("<=") => BinOp::Le,
            Token::Symbol(">") => BinOp::Gt,
            Token::Symbol(">=") => BinOp::Ge,
            Token::Symbol("==") => BinOp::Eq,
            Token::Symbol("!=") => BinOp::Ne,
            _ => return Ok(left),
        };
        self.bump()?;
        let right = self.sum()?;
        Ok(Parser::binary(left, op, right))
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.product()?;
        loop {
            let op = match &self.token {
                Token::Symbol("+") => BinOp::Add,
                Token::Symbol("-") => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.product()?;
            left = Parser::binary(left, op, right);
        }
    }

    fn product(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let op = match &self.token {
                Token::Symbol("*") => BinOp::Mul,
                Token::Symbol("/") => BinOp::Div,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.unary()?;
            left = Parser::binary(left, op, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_symbol("-") {
            let start = self.bump()?.1.start;
            let inner = self.unary()?;
            let span = Span {
                start,
                end: inner.span.end,
            };
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                span,
            });
        }
        let mut expr = self.primary()?;
        while self.is_symbol("[") {
            self.bump()?;
            let index = self.expr()?;
            let end = self.expect_symbol("]")?.end;
            let span = Span {
                start: expr.span.start,
                end,
            };
            expr = Expr {
                kind: ExprKind::Index(Box::new(expr), Box::new(index)),
                span,
            };
        }
        Ok(expr)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let (token, span) = match &self.token {
            Token::End | Token::Symbol(_) if !self.is_symbol("(") => {
                return Err(self.error("expected a value"))
            }
            _ => self.bump()?,
        };
        let kind = match token {
            Token::Int(i) => ExprKind::Int(i),
            Token::Decimal(d) => ExprKind::Decimal(d),
            Token::Yuan(y) => ExprKind::Yuan(y),
            Token::Code(c) => ExprKind::Code(c),
            Token::Symbol(_) => {
                let inner = self.expr()?;
                let end = self.expect_symbol(")")?.end;
                return Ok(Expr {
                    kind: inner.kind,
                    span: Span {
                        start: span.start,
                        end,
                    },
                });
            }
            Token::Ident(word) if word == "true" || word == "false" => {
                ExprKind::Bool(word == "true")
            }
            Token::Ident(word) if self.is_symbol("(") => return self.call(word, span),
            Token::Ident(word) => {
                let mut path = vec![word];
                let mut end = span.end;
                while self.is_symbol(".") {
                    self.bump()?;
                    match self.bump()? {
                        (Token::Ident(part), s) => {
                            path.push(part);
                            end = s.end;
                        }
                        (_, s) => {
                            return Err(SyntaxError {
                                span: s,
                                message: "expected a name after '.'".into(),
                            })
                        }
                    }
                }
                return Ok(Expr {
                    kind: ExprKind::Path(path),
                    span: Span {
                        start: span.start,
                        end,
                    },
                });
            }
            Token::End => return Err(self.error("expected a value")),
        };
        Ok(Expr { kind, span })
    }

    fn call(&mut self, name: String, name_span: Span) -> Result<Expr, SyntaxError> {
        self.expect_symbol("(")?;
        if self.goes_over_members(&name) {
            let over = match &self.token {
                Token::Ident(word) => word.clone(),
                _ => String::new(),
            };
            let Some(aggregate) = Aggregate::parse(&name) else {
                return Err(SyntaxError {
                    span: name_span,
                    message: format!(
                        "'{name}' does not go over members (sum, count, any, all, max, min do)"
                    ),
                });
            };
            self.bump()?;
            let filter = if self.is_keyword("where") {
                self.bump()?;
                Some(Box::new(self.expr()?))
            } else {
                None
            };
            let body = if self.is_symbol(":") {
                self.bump()?;
                Some(Box::new(self.expr()?))
            } else {
                None
            };
            let end = self.expect_symbol(")")?.end;
            return Ok(Expr {
                kind: ExprKind::Members {
                    aggregate,
                    over,
                    filter,
                    body,
                },
                span: Span {
                    start: name_span.start,
                    end,
                },
            });
        }
        let max = match name.as_str() {
            "max" => true,
            "min" => false,
            _ => {
                return Err(SyntaxError {
                    span: name_span,
                    message: format!("unknown function '{name}' (known: min, max, and sum, count, any, all over members)"),
                })
            }
        };
        let mut args = vec![self.expr()?];
        while self.is_symbol(",") {
            self.bump()?;
            args.push(self.expr()?);
        }
        let end = self.expect_symbol(")")?.end;
        Ok(Expr {
            kind: ExprKind::Extreme { max, args },
            span: Span {
                start: name_span.start,
                end,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Decimal(d) => d.clone(),
            ExprKind::Yuan(y) => format!("{y}元"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Code(c) => format!("'{c}'"),
            ExprKind::Path(p) => p.join("."),
            ExprKind::Index(a, b) => format!("{}[{}]", shape(a), shape(b)),
            ExprKind::Neg(a) => format!("(-{})", shape(a)),
            ExprKind::Not(a) => format!("(not {})", shape(a)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", shape(a), op.symbol(), shape(b)),
            ExprKind::If(c, a, b) => format!("(if {} {} {})", shape(c), shape(a), shape(b)),
            ExprKind::Extreme { max, args } => format!(
                "{}({})",
                if *max { "max" } else { "min" },
                args.iter().map(shape).collect::<Vec<_>>().join(", ")
            ),
            ExprKind::Members {
                aggregate,
                over,
                filter,
                body,
            } => format!(
                "{}({over}{}{})",
                aggregate.name(),
                filter
                    .as_ref()
                    .map(|f| format!(" where {}", shape(f)))
                    .unwrap_or_default(),
                body.as_ref()
                    .map(|b| format!(": {}", shape(b)))
                    .unwrap_or_default()
            ),
        }
    }

    #[test]
    fn precedence_and_forms() {
        let cases = [
            ("a + b * c", "(a + (b * c))"),
            ("a < b and not c or d", "(((a < b) 且 (not c)) 或 d)"),
            (
                "p.dibao.standard[hukou] * 1.5",
                "(p.dibao.standard[hukou] * 1.5)",
            ),
            ("if x >= 60 then 6元 else 0元", "(if (x ≥ 60) 6元 0元)"),
            (
                "sum(members where lives_together: income_wage)",
                "sum(members where lives_together: income_wage)",
            ),
            ("count(members)", "count(members)"),
            ("max(a - 1, 0元)", "max((a - 1), 0元)"),
            ("-(a - b)", "(-(a - b))"),
            ("hukou == 'rural'", "(hukou = 'rural')"),
        ];
        for (text, expected) in cases {
            assert_eq!(shape(&parse(text).unwrap()), expected, "{text}");
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("a + ").unwrap_err();
        assert_eq!(e.span.start, 4);
        assert!(e.message.contains("expected a value"), "{}", e.message);
        let e = parse("a + # b").unwrap_err();
        assert_eq!(
            (e.span.start, e.message.as_str()),
            (4, "unexpected character '#'")
        );
        let e = parse("foo(1)").unwrap_err();
        assert!(e.message.contains("unknown function 'foo'"));
        let e = parse("(a").unwrap_err();
        assert!(e.message.contains("expected ')'"));
        let e = parse("a b").unwrap_err();
        assert!(e.message.contains("expected the end"));
    }
}
