//! The batch executor: a whole population, one month, column by column.
//!
//! Each node of a formula runs once per chunk of households, as one tight loop over a column
//! (the operation is chosen from the node's types before the loop), never by walking the tree
//! for each row. Chunks run on all cores. Values are `i64` in columns: booleans 0/1, money in
//! fen, numbers fixed-point, codes by position. Errors (division by zero, conflicting
//! exceptions, no rule) are kept per row, masked exactly where the interpreter would not have
//! evaluated (the untaken branch of `if`, the right side of a decided `and`/`or`), so a
//! household whose data makes a rule undefined is reported with its reason and the batch goes
//! on. `tests/agreement.rs` checks that batch and interpreter agree on random households.

use std::collections::BTreeMap;

use std::rc::Rc;

use chrono::NaiveDate;

use crate::eval::EvalError;
use crate::rules::{Entity, Ir, Node, Rule, VarId};
use crate::syntax::{Aggregate, BinOp};
use crate::value::{div_round, Number, Type, Value};
use crate::Policy;

/// The inputs of many households, by column: members of household `h` are rows
/// `member_start[h]..member_start[h + 1]`. Each column keeps the narrowest integer width its
/// values need (most are codes, ages and small amounts), so a 10M-resident city fits in a
/// fraction of the memory of `i64` columns.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub member_start: Vec<usize>,
    /// One column per input, in the order of [`crate::inputs::inputs`].
    pub inputs: Vec<Packed>,
    /// One column per fact of the group as a whole (a claim's), one row per group, in the order
    /// the policy's `entities.yaml` declares them; empty for the registry's households.
    pub group_inputs: Vec<Packed>,
}

/// A column of integers stored at the width its values need, widened as values arrive.
#[derive(Debug, Clone)]
pub enum Packed {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// `values` at a wider type, keeping the capacity reserved for what is still to come.
fn widen_vec<T: Copy, U: From<T>>(values: &[T], capacity: usize) -> Vec<U> {
    let mut wider = Vec::with_capacity(capacity.max(values.len() + 1));
    wider.extend(values.iter().map(|v| U::from(*v)));
    wider
}

impl Default for Packed {
    fn default() -> Packed {
        Packed::I8(Vec::new())
    }
}

impl Packed {
    pub fn push(&mut self, v: i64) {
        match self {
            Packed::I8(c) => match i8::try_from(v) {
                Ok(x) => c.push(x),
                Err(_) => {
                    *self = Packed::I16(widen_vec(c, c.capacity()));
                    self.push(v);
                }
            },
            Packed::I16(c) => match i16::try_from(v) {
                Ok(x) => c.push(x),
                Err(_) => {
                    *self = Packed::I32(widen_vec(c, c.capacity()));
                    self.push(v);
                }
            },
            Packed::I32(c) => match i32::try_from(v) {
                Ok(x) => c.push(x),
                Err(_) => {
                    *self = Packed::I64(widen_vec(c, c.capacity()));
                    self.push(v);
                }
            },
            Packed::I64(c) => c.push(v),
        }
    }

    /// The narrowest column holding `values`.
    pub fn from_slice(values: &[i64]) -> Packed {
        match bits_needed(values) {
            0..=8 => Packed::I8(values.iter().map(|v| *v as i8).collect()),
            9..=16 => Packed::I16(values.iter().map(|v| *v as i16).collect()),
            17..=32 => Packed::I32(values.iter().map(|v| *v as i32).collect()),
            _ => Packed::I64(values.to_vec()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Packed::I8(c) => c.len(),
            Packed::I16(c) => c.len(),
            Packed::I32(c) => c.len(),
            Packed::I64(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<i64> {
        match self {
            Packed::I8(c) => c.get(i).copied().map(i64::from),
            Packed::I16(c) => c.get(i).copied().map(i64::from),
            Packed::I32(c) => c.get(i).copied().map(i64::from),
            Packed::I64(c) => c.get(i).copied(),
        }
    }

    /// Rows `range` as `i64`; none when the column is shorter.
    pub fn read(&self, range: std::ops::Range<usize>) -> Option<Vec<i64>> {
        Some(match self {
            Packed::I8(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I16(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I32(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I64(c) => c.get(range)?.to_vec(),
        })
    }

    /// Rows `range` as `i64`, into a chunk's buffer; none when the column is shorter.
    fn read_buf(&self, range: std::ops::Range<usize>) -> Option<Buf> {
        Some(match self {
            Packed::I8(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I16(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I32(c) => c.get(range)?.iter().map(|x| i64::from(*x)).collect(),
            Packed::I64(c) => c.get(range)?.iter().copied().collect(),
        })
    }

    /// The sum of the column, read once at its own width: the cheapest possible touch of
    /// every value, the yardstick for the batch.
    pub fn sum(&self) -> i64 {
        match self {
            Packed::I8(c) => c.iter().map(|x| i64::from(*x)).sum(),
            Packed::I16(c) => c.iter().map(|x| i64::from(*x)).sum(),
            Packed::I32(c) => c.iter().map(|x| i64::from(*x)).sum(),
            Packed::I64(c) => c.iter().fold(0i64, |a, x| a.wrapping_add(*x)),
        }
    }

    pub fn bytes(&self) -> usize {
        match self {
            Packed::I8(c) => c.len(),
            Packed::I16(c) => c.len() * 2,
            Packed::I32(c) => c.len() * 4,
            Packed::I64(c) => c.len() * 8,
        }
    }
}

impl Population {
    pub fn new(inputs: usize) -> Population {
        Population {
            member_start: vec![0],
            inputs: vec![Packed::default(); inputs],
            group_inputs: Vec::new(),
        }
    }

    /// An empty population of groups that carry facts of their own (claims and their lines).
    pub fn of_groups(member_inputs: usize, group_inputs: usize) -> Population {
        Population {
            group_inputs: vec![Packed::default(); group_inputs],
            ..Population::new(member_inputs)
        }
    }

    pub fn households(&self) -> usize {
        self.member_start.len() - 1
    }

    pub fn persons(&self) -> usize {
        self.member_start.last().copied().unwrap_or(0)
    }

    /// Reserves room for `persons` more members and `households` more households, so that
    /// building a known number of rows never copies a column to grow it.
    pub fn reserve(&mut self, persons: usize, households: usize) {
        for column in &mut self.inputs {
            match column {
                Packed::I8(c) => c.reserve(persons),
                Packed::I16(c) => c.reserve(persons),
                Packed::I32(c) => c.reserve(persons),
                Packed::I64(c) => c.reserve(persons),
            }
        }
        self.member_start.reserve(households);
    }

    /// Adds a household: each member's input values in input order.
    pub fn push(&mut self, members: &[Vec<Value>]) {
        for member in members {
            for (column, value) in self.inputs.iter_mut().zip(member) {
                column.push(encode(*value));
            }
        }
        self.member_start.push(self.persons() + members.len());
    }

    /// Memory held by the columns.
    pub fn bytes(&self) -> usize {
        (self.inputs.iter().chain(&self.group_inputs))
            .map(Packed::bytes)
            .sum::<usize>()
            + self.member_start.len() * 8
    }
}

pub fn encode(v: Value) -> i64 {
    match v {
        Value::Bool(b) => i64::from(b),
        Value::Int(i) => i,
        Value::Number(n) => n.0,
        Value::Money(m) => m.0,
        Value::Enum(_, i) => i64::from(i),
    }
}

pub fn decode(ty: &Type, raw: i64) -> Value {
    match ty {
        Type::Bool => Value::Bool(raw != 0),
        Type::Int => Value::Int(raw),
        Type::Number => Value::Number(Number(raw)),
        Type::Money => Value::Money(minsheng_core::Fen(raw)),
        Type::Enum(e) => Value::Enum(e, u16::try_from(raw).unwrap_or(0)),
    }
}

type Errors = BTreeMap<usize, EvalError>;

/// A computed column and the rows where it is undefined. The values stay in the parts the
/// chunks computed, in row order: joining them into one array would copy every value into
/// freshly faulted memory, which on a whole city cost more than a tenth of the batch.
#[derive(Debug, Clone, Default)]
pub struct Column {
    parts: Vec<Part>,
    /// First row of each part.
    starts: Vec<usize>,
    pub errors: Errors,
}

/// One chunk's values of a column. Most program columns are zero for nearly everyone (few
/// households are on dibao); those keep only the rows that are not.
#[derive(Debug, Clone)]
enum Part {
    Dense(Packed),
    Sparse {
        len: usize,
        rows: Vec<u32>,
        values: Vec<i64>,
    },
}

impl Part {
    fn new(values: &[i64]) -> Part {
        let len = values.len();
        let nonzero = values.iter().filter(|v| **v != 0).count();
        // A sparse row costs 12 bytes, a dense one at least 1.
        match u32::try_from(len) {
            Ok(_) if nonzero * 12 < len => {
                // Sized from the count: collecting through a filter would grow them step by step.
                let (mut rows, mut kept) =
                    (Vec::with_capacity(nonzero), Vec::with_capacity(nonzero));
                for (r, v) in values.iter().enumerate().filter(|(_, v)| **v != 0) {
                    rows.push(r as u32);
                    kept.push(*v);
                }
                Part::Sparse {
                    len,
                    rows,
                    values: kept,
                }
            }
            _ => Part::Dense(Packed::from_slice(values)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Part::Dense(p) => p.len(),
            Part::Sparse { len, .. } => *len,
        }
    }

    /// The value at row `i`: 0 where a sparse part keeps nothing, and past the end.
    fn get(&self, i: usize) -> i64 {
        match self {
            Part::Dense(p) => p.get(i).unwrap_or(0),
            Part::Sparse { rows, values, .. } => u32::try_from(i)
                .ok()
                .and_then(|i| rows.binary_search(&i).ok())
                .and_then(|k| values.get(k).copied())
                .unwrap_or(0),
        }
    }
}

impl Column {
    fn from_parts(parts: Vec<Part>, errors: Errors) -> Column {
        let mut starts = Vec::with_capacity(parts.len());
        let mut next = 0;
        for p in &parts {
            starts.push(next);
            next += p.len();
        }
        Column {
            parts,
            starts,
            errors,
        }
    }

    /// The value at `row`; 0 past the end, as for the rows a sparse part does not keep.
    pub fn get(&self, row: usize) -> i64 {
        let part = self.starts.partition_point(|s| *s <= row).saturating_sub(1);
        match (self.parts.get(part), self.starts.get(part)) {
            (Some(values), Some(start)) => values.get(row - start),
            _ => 0,
        }
    }

    pub fn len(&self) -> usize {
        match (self.starts.last(), self.parts.last()) {
            (Some(start), Some(last)) => start + last.len(),
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many parts the column is kept in: one per chunk of households, the same for every
    /// column of one entity computed by one [`run`].
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// The values of part `k` in row order (none past the last part): what a pass over several
    /// columns of one run splits among threads.
    pub fn part_values(&self, k: usize) -> impl Iterator<Item = i64> + '_ {
        self.parts.get(k).into_iter().flat_map(Part::values)
    }

    /// Every value in row order: each part walked once, a sparse one by merging its kept rows
    /// (no search per row), a dense one over its own width.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.parts.iter().flat_map(Part::values)
    }
}

/// The values of one part in row order.
enum PartValues<'a> {
    I8(std::slice::Iter<'a, i8>),
    I16(std::slice::Iter<'a, i16>),
    I32(std::slice::Iter<'a, i32>),
    I64(std::slice::Iter<'a, i64>),
    Sparse {
        len: usize,
        row: usize,
        rows: &'a [u32],
        values: &'a [i64],
    },
}

impl Iterator for PartValues<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        match self {
            PartValues::I8(v) => v.next().map(|x| i64::from(*x)),
            PartValues::I16(v) => v.next().map(|x| i64::from(*x)),
            PartValues::I32(v) => v.next().map(|x| i64::from(*x)),
            PartValues::I64(v) => v.next().copied(),
            PartValues::Sparse {
                len,
                row,
                rows,
                values,
            } => {
                if *row >= *len {
                    return None;
                }
                let here = *row;
                *row += 1;
                match (rows.first(), values.first()) {
                    (Some(&kept), Some(&value)) if kept as usize == here => {
                        *rows = rows.get(1..).unwrap_or_default();
                        *values = values.get(1..).unwrap_or_default();
                        Some(value)
                    }
                    _ => Some(0),
                }
            }
        }
    }
}

impl Part {
    fn values(&self) -> PartValues<'_> {
        match self {
            Part::Dense(Packed::I8(v)) => PartValues::I8(v.iter()),
            Part::Dense(Packed::I16(v)) => PartValues::I16(v.iter()),
            Part::Dense(Packed::I32(v)) => PartValues::I32(v.iter()),
            Part::Dense(Packed::I64(v)) => PartValues::I64(v.iter()),
            Part::Sparse { len, rows, values } => PartValues::Sparse {
                len: *len,
                row: 0,
                rows,
                values,
            },
        }
    }
}

/// The result of a batch: for each variable asked for, its column over all households (household
/// variables) or all persons (person variables).
#[derive(Debug)]
pub struct BatchResult {
    pub columns: Vec<(VarId, Column)>,
}

/// Households per unit of work: small enough that a chunk's intermediate columns stay in
/// cache, large enough that the per-chunk overhead vanishes.
const CHUNK: usize = 4096;

/// Computes `wanted` for every household of `population` on `on`, on `threads` threads.
pub fn run(
    policy: &Policy,
    on: NaiveDate,
    population: &Population,
    wanted: &[VarId],
    threads: usize,
) -> BatchResult {
    let households = population.households();
    let chunks: Vec<(usize, usize)> = (0..households)
        .step_by(CHUNK)
        .map(|h0| (h0, (h0 + CHUNK).min(households)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Vec<(Part, Errors)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(h0, h1)) = chunks.get(i) else {
                            break;
                        };
                        mine.push((i, Chunk::new(policy, on, population, h0, h1).wanted(wanted)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    let mut parts: Vec<Vec<(Part, Errors)>> = wanted.iter().map(|_| Vec::new()).collect();
    for (_, chunk) in done {
        for (column, part) in parts.iter_mut().zip(chunk) {
            column.push(part);
        }
    }
    let columns = wanted
        .iter()
        .zip(parts)
        .map(|(id, parts)| {
            let mut errors = Errors::new();
            let mut values = Vec::with_capacity(parts.len());
            let entity = policy.variables.get(*id).map(|v| v.entity);
            for ((part, part_errors), (h0, _)) in parts.into_iter().zip(&chunks) {
                // A chunk's rows are numbered from its first household, or that one's first member.
                let offset = match entity {
                    Some(Entity::Member) => population.member_start.get(*h0).copied().unwrap_or(0),
                    Some(Entity::Group) | None => *h0,
                };
                errors.extend(part_errors.into_iter().map(|(r, e)| (r + offset, e)));
                values.push(part);
            }
            (*id, Column::from_parts(values, errors))
        })
        .collect();
    BatchResult { columns }
}

thread_local! {
    /// Buffers of finished chunks, kept for the next chunk on the same thread.
    static SPARE: std::cell::RefCell<Vec<Vec<i64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers kept per thread: enough for every intermediate column of a chunk of the catalog.
const SPARE_BUFFERS: usize = 1024;

/// The values of one column of a chunk. Dropped, its memory goes back to the thread's spares and
/// the next chunk reuses it: fresh memory costs a page fault and the kernel zeroing the page,
/// which was a fifth of the batch's time when every chunk allocated anew.
#[derive(Debug, Default)]
struct Buf(Vec<i64>);

impl Buf {
    fn with_capacity(rows: usize) -> Buf {
        let spare = SPARE.with(|s| s.borrow_mut().pop());
        Buf(match spare {
            Some(mut v) => {
                v.clear();
                v.reserve(rows);
                v
            }
            None => Vec::with_capacity(rows),
        })
    }

    fn zeroed(rows: usize) -> Buf {
        let mut b = Buf::with_capacity(rows);
        b.0.resize(rows, 0);
        b
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() > 0 {
            SPARE.with(|s| {
                let mut s = s.borrow_mut();
                if s.len() < SPARE_BUFFERS {
                    s.push(v);
                }
            });
        }
    }
}

impl Clone for Buf {
    fn clone(&self) -> Buf {
        self.0.iter().copied().collect()
    }
}

impl FromIterator<i64> for Buf {
    fn from_iter<I: IntoIterator<Item = i64>>(iter: I) -> Buf {
        let iter = iter.into_iter();
        let mut b = Buf::with_capacity(iter.size_hint().0);
        b.0.extend(iter);
        b
    }
}

impl<'a> IntoIterator for &'a Buf {
    type Item = &'a i64;
    type IntoIter = std::slice::Iter<'a, i64>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::ops::Deref for Buf {
    type Target = Vec<i64>;
    fn deref(&self) -> &Vec<i64> {
        &self.0
    }
}

impl std::ops::DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut Vec<i64> {
        &mut self.0
    }
}

/// Values of a column inside a chunk: one value for every row (a parameter, a literal, anything
/// computed from those only) or one per row. Constants are never spread into vectors.
#[derive(Debug, Clone)]
enum Vals {
    Const(i64),
    Col(Buf),
}

impl Vals {
    /// The value at row `r` of the chunk (every column of a chunk has all its rows).
    #[inline]
    fn get(&self, r: usize) -> i64 {
        match self {
            Vals::Const(v) => *v,
            Vals::Col(c) => c.get(r).copied().unwrap_or(0),
        }
    }

    fn map(self, f: impl Fn(i64) -> i64) -> Vals {
        match self {
            Vals::Const(v) => Vals::Const(f(v)),
            Vals::Col(mut c) => {
                c.iter_mut().for_each(|v| *v = f(*v));
                Vals::Col(c)
            }
        }
    }

    /// The values as a slice, spreading a constant only when it is one (into a reused buffer).
    fn slice(&self, rows: usize) -> std::borrow::Cow<'_, Buf> {
        match self {
            Vals::Const(v) => std::borrow::Cow::Owned(std::iter::repeat_n(*v, rows).collect()),
            Vals::Col(c) => std::borrow::Cow::Borrowed(c),
        }
    }

    fn into_buf(self, rows: usize) -> Buf {
        match self {
            Vals::Const(v) => std::iter::repeat_n(v, rows).collect(),
            Vals::Col(c) => c,
        }
    }
}

/// `out[r] = then[r]` wherever `when[r]` holds, as a select that vectorizes.
fn select_where(out: &mut [i64], when: &Vals, then: &Vals) {
    match (when, then) {
        (Vals::Const(0), _) => {}
        (Vals::Const(_), Vals::Const(t)) => out.fill(*t),
        (Vals::Const(_), Vals::Col(t)) => out.copy_from_slice(t),
        (Vals::Col(w), Vals::Const(t)) => {
            for (o, w) in out.iter_mut().zip(w.iter()) {
                *o = if *w != 0 { *t } else { *o };
            }
        }
        (Vals::Col(w), Vals::Col(t)) => {
            for (o, (w, t)) in out.iter_mut().zip(w.iter().zip(t.iter())) {
                *o = if *w != 0 { *t } else { *o };
            }
        }
    }
}

/// Whether a row where `when` holds has a `then` other than `chosen`: one pass without an early
/// exit, so that it vectorizes (conflicts are rare; the caller looks for the rows only then).
fn disagrees(chosen: &[i64], when: &Vals, then: &Vals) -> bool {
    let differs = |w: i64, t: i64, c: i64| (w != 0) & (t != c);
    match (when, then) {
        (Vals::Const(0), _) => false,
        (Vals::Const(_), Vals::Const(t)) => chosen.iter().fold(false, |d, c| d | (c != t)),
        (Vals::Const(_), Vals::Col(t)) => chosen != &t[..],
        (Vals::Col(w), Vals::Const(t)) => {
            (chosen.iter().zip(w.iter())).fold(false, |d, (c, w)| d | differs(*w, *t, *c))
        }
        (Vals::Col(w), Vals::Col(t)) => (chosen.iter().zip(w.iter().zip(t.iter())))
            .fold(false, |d, (c, (w, t))| d | differs(*w, *t, *c)),
    }
}

/// `f` over two columns, one loop, constants kept constant.
fn zip_map(a: &Vals, b: &Vals, mut f: impl FnMut(i64, i64) -> i64) -> Vals {
    match (a, b) {
        (Vals::Const(x), Vals::Const(y)) => Vals::Const(f(*x, *y)),
        (Vals::Col(x), Vals::Const(y)) => Vals::Col(x.iter().map(|x| f(*x, *y)).collect()),
        (Vals::Const(x), Vals::Col(y)) => Vals::Col(y.iter().map(|y| f(*x, *y)).collect()),
        (Vals::Col(x), Vals::Col(y)) => {
            Vals::Col(x.iter().zip(y).map(|(x, y)| f(*x, *y)).collect())
        }
    }
}

/// `zip_map` of an operation that reports whether it overflowed: `None` if any row did.
fn zip_map_checked(a: &Vals, b: &Vals, f: impl Fn(i64, i64) -> (i64, bool)) -> Option<Vals> {
    let mut overflow = false;
    let vals = zip_map(a, b, |x, y| {
        let (v, o) = f(x, y);
        overflow |= o;
        v
    });
    (!overflow).then_some(vals)
}

#[derive(Debug, Clone)]
struct Col {
    vals: Vals,
    errors: Errors,
}

impl Col {
    fn constant(v: i64) -> Col {
        Col {
            vals: Vals::Const(v),
            errors: Errors::new(),
        }
    }

    fn failed(rows: usize, e: &EvalError) -> Col {
        Col {
            vals: Vals::Const(0),
            errors: rows_error(rows, e),
        }
    }

    /// Takes `other`'s errors where this column has none (this one was evaluated first).
    fn absorb(&mut self, other: Errors, keep: impl Fn(usize) -> bool) {
        for (row, e) in other {
            if keep(row) {
                self.errors.entry(row).or_insert(e);
            }
        }
    }
}

struct Chunk<'a> {
    policy: &'a Policy,
    on: NaiveDate,
    population: &'a Population,
    /// Member starts relative to the chunk's first person, one more than households.
    starts: Vec<usize>,
    /// The chunk's household of each of its persons, made when a person formula first reads a
    /// household variable.
    household_of: std::cell::OnceCell<Vec<usize>>,
    h0: usize,
    p0: usize,
    person: Vec<Option<Rc<Col>>>,
    household: Vec<Option<Rc<Col>>>,
    /// Household variables spread to their members (several person formulas read the same).
    spread: Vec<Option<Rc<Col>>>,
    /// Input columns read so far (an input such as age is read by several formulas).
    inputs: Vec<Option<Rc<Col>>>,
    /// Group facts read so far, per group and spread to the members.
    group_inputs: Vec<Option<Rc<Col>>>,
    group_inputs_spread: Vec<Option<Rc<Col>>>,
}

fn rows_error(rows: usize, e: &EvalError) -> Errors {
    (0..rows).map(|r| (r, e.clone())).collect()
}

impl<'a> Chunk<'a> {
    fn new(
        policy: &'a Policy,
        on: NaiveDate,
        population: &'a Population,
        h0: usize,
        h1: usize,
    ) -> Chunk<'a> {
        let window = population.member_start.get(h0..=h1).unwrap_or_default();
        let p0 = window.first().copied().unwrap_or(0);
        let starts: Vec<usize> = window.iter().map(|s| s - p0).collect();
        let n = policy.variables.len();
        Chunk {
            policy,
            on,
            population,
            starts,
            household_of: std::cell::OnceCell::new(),
            h0,
            p0,
            person: vec![None; n],
            household: vec![None; n],
            spread: vec![None; n],
            inputs: vec![None; population.inputs.len()],
            group_inputs: vec![None; population.group_inputs.len()],
            group_inputs_spread: vec![None; population.group_inputs.len()],
        }
    }

    fn rows(&self, entity: Entity) -> usize {
        match entity {
            Entity::Group => self.starts.len().saturating_sub(1),
            Entity::Member => self.starts.last().copied().unwrap_or(0),
        }
    }

    fn household_of(&self) -> &[usize] {
        self.household_of.get_or_init(|| household_of(&self.starts))
    }

    fn wanted(mut self, wanted: &[VarId]) -> Vec<(Part, Errors)> {
        wanted
            .iter()
            .map(|id| {
                let c = self.variable(*id);
                let rows = self.rows(self.entity(*id));
                (Part::new(&c.vals.slice(rows)), c.errors.clone())
            })
            .collect()
    }

    fn variable(&mut self, id: VarId) -> Rc<Col> {
        let policy = self.policy;
        let Some(v) = policy.variables.get(id) else {
            return Rc::new(Col::failed(0, &EvalError::UnknownVariable(id)));
        };
        if let Some(c) = self.cached(id).and_then(|c| c.as_ref()) {
            return Rc::clone(c);
        }
        let rows = self.rows(v.entity);
        let column = match v.formulas.iter().find(|f| f.since <= self.on) {
            None => Rc::new(Col::failed(
                rows,
                &EvalError::NoFormula {
                    variable: v.name.clone(),
                    on: self.on,
                },
            )),
            Some(f) => match &f.rule {
                Rule::Expr(node) => {
                    let c = self.eval(node, v.entity);
                    widen(c, &node.ty, &v.ty)
                }
                Rule::Default { base, exceptions } => {
                    let whens: Vec<Rc<Col>> = exceptions
                        .iter()
                        .map(|e| self.eval(&e.when, v.entity))
                        .collect();
                    let thens: Vec<Rc<Col>> = exceptions
                        .iter()
                        .map(|e| {
                            let c = self.eval(&e.then, v.entity);
                            widen(c, &e.then.ty, &v.ty)
                        })
                        .collect();
                    let base = base.as_ref().map(|b| {
                        let c = self.eval(b, v.entity);
                        widen(c, &b.ty, &v.ty)
                    });
                    let mut errors = Errors::new();
                    let clean = whens.iter().chain(&thens).all(|c| c.errors.is_empty())
                        && base.as_ref().is_none_or(|b| b.errors.is_empty());
                    if let (true, Some(b)) = (clean, &base) {
                        // No errors anywhere: later exceptions first, so that the first holding
                        // one wins; then one branch-free pass per exception asks whether a
                        // holding one disagrees, and only then are the rows looked for.
                        let mut values = b.vals.clone().into_buf(rows);
                        for (w, t) in whens.iter().zip(&thens).rev() {
                            select_where(&mut values, &w.vals, &t.vals);
                        }
                        for (w, t) in whens.iter().zip(&thens) {
                            if !disagrees(&values, &w.vals, &t.vals) {
                                continue;
                            }
                            for (r, chosen) in values.iter().enumerate() {
                                let conflict = w.vals.get(r) != 0 && t.vals.get(r) != *chosen;
                                if conflict && !errors.contains_key(&r) {
                                    let labels = (exceptions.iter().zip(&whens))
                                        .filter(|(_, w)| w.vals.get(r) != 0)
                                        .map(|(e, _)| e.label.as_str());
                                    errors.insert(r, EvalError::conflict(&v.name, labels));
                                }
                            }
                        }
                        return self.remember(
                            id,
                            Rc::new(Col {
                                vals: Vals::Col(values),
                                errors,
                            }),
                        );
                    }
                    let mut values = Buf::zeroed(rows);
                    for (r, out) in values.iter_mut().enumerate() {
                        if let Some(e) = whens.iter().find_map(|w| w.errors.get(&r)) {
                            errors.insert(r, e.clone());
                            continue;
                        }
                        // One scan, no allocation: the first exception that holds, whether
                        // another holding one disagrees, the last error among those holding.
                        let holds = |w: &Rc<Col>| w.vals.get(r) != 0;
                        let mut first: Option<&Rc<Col>> = None;
                        let mut disagree = false;
                        let mut failed = None;
                        let holding = whens.iter().zip(&thens).filter(|(w, _)| holds(w));
                        for (_, then) in holding {
                            if let Some(e) = then.errors.get(&r) {
                                failed = Some(e);
                            }
                            match first {
                                None => first = Some(then),
                                Some(f) => disagree |= then.vals.get(r) != f.vals.get(r),
                            }
                        }
                        if let Some(e) = failed {
                            errors.insert(r, e.clone());
                            continue;
                        }
                        let Some(first) = first else {
                            match &base {
                                Some(b) => match b.errors.get(&r) {
                                    Some(e) => {
                                        errors.insert(r, e.clone());
                                    }
                                    None => *out = b.vals.get(r),
                                },
                                None => {
                                    errors.insert(
                                        r,
                                        EvalError::NoRuleApplies {
                                            variable: v.name.clone(),
                                        },
                                    );
                                }
                            }
                            continue;
                        };
                        if disagree {
                            let labels = (exceptions.iter().zip(&whens))
                                .filter(|(_, w)| holds(w))
                                .map(|(e, _)| e.label.as_str());
                            errors.insert(r, EvalError::conflict(&v.name, labels));
                        } else {
                            *out = first.vals.get(r);
                        }
                    }
                    Rc::new(Col {
                        vals: Vals::Col(values),
                        errors,
                    })
                }
            },
        };
        self.remember(id, column)
    }

    fn remember(&mut self, id: VarId, column: Rc<Col>) -> Rc<Col> {
        if let Some(slot) = self.cached(id) {
            *slot = Some(Rc::clone(&column));
        }
        column
    }

    /// Where variable `id`'s column is kept once computed, by its entity.
    fn cached(&mut self, id: VarId) -> Option<&mut Option<Rc<Col>>> {
        match self.entity(id) {
            Entity::Group => self.household.get_mut(id),
            Entity::Member => self.person.get_mut(id),
        }
    }

    fn entity(&self, id: VarId) -> Entity {
        self.policy
            .variables
            .get(id)
            .map_or(Entity::Group, |v| v.entity)
    }

    fn parameter(&self, name: &str) -> Result<i64, EvalError> {
        self.policy
            .parameters
            .leaves
            .get(name)
            .and_then(|p| p.at(self.on))
            .and_then(|d| d.value)
            .map(encode)
            .ok_or_else(|| EvalError::NoParameter {
                name: name.to_string(),
                on: self.on,
            })
    }

    /// A node's column, shared when it is a variable's.
    fn eval(&mut self, node: &Node, entity: Entity) -> Rc<Col> {
        match (&node.ir, entity) {
            (Ir::MemberVar(v), _) | (Ir::GroupVar(v), Entity::Group) => self.variable(*v),
            (Ir::Input(i), _) => self.input(*i),
            _ => self.compute(node, entity),
        }
    }

    /// An input's column for the chunk's members, read once (several formulas read age).
    fn input(&mut self, i: usize) -> Rc<Col> {
        if let Some(c) = self.inputs.get(i).and_then(Option::as_ref) {
            return Rc::clone(c);
        }
        let rows = self.rows(Entity::Member);
        let read =
            (self.population.inputs.get(i)).and_then(|c| c.read_buf(self.p0..self.p0 + rows));
        let c = Rc::new(match read {
            Some(values) => Col {
                vals: Vals::Col(values),
                errors: Errors::new(),
            },
            None => Col::failed(rows, &EvalError::MissingInput(i)),
        });
        if let Some(slot) = self.inputs.get_mut(i) {
            *slot = Some(Rc::clone(&c));
        }
        c
    }

    /// A fact of each group (a claim's), for the chunk's groups or spread to their members.
    fn group_input(&mut self, i: usize, entity: Entity) -> Rc<Col> {
        if entity == Entity::Member {
            if let Some(c) = self.group_inputs_spread.get(i).and_then(Option::as_ref) {
                return Rc::clone(c);
            }
        } else if let Some(c) = self.group_inputs.get(i).and_then(Option::as_ref) {
            return Rc::clone(c);
        }
        let groups = self.rows(Entity::Group);
        let read = (self.population.group_inputs.get(i))
            .and_then(|c| c.read_buf(self.h0..self.h0 + groups));
        let Some(values) = read else {
            // Households carry no facts of their own: a formula reading one is undefined.
            return Rc::new(Col::failed(self.rows(entity), &EvalError::MissingInput(i)));
        };
        if entity == Entity::Group {
            let c = Rc::new(Col {
                vals: Vals::Col(values),
                errors: Errors::new(),
            });
            if let Some(slot) = self.group_inputs.get_mut(i) {
                *slot = Some(Rc::clone(&c));
            }
            return c;
        }
        let spread: Buf = (self.household_of().iter())
            .map(|g| values.get(*g).copied().unwrap_or(0))
            .collect();
        let c = Rc::new(Col {
            vals: Vals::Col(spread),
            errors: Errors::new(),
        });
        if let Some(slot) = self.group_inputs_spread.get_mut(i) {
            *slot = Some(Rc::clone(&c));
        }
        c
    }

    fn compute(&mut self, node: &Node, entity: Entity) -> Rc<Col> {
        let rows = self.rows(entity);
        let column = match &node.ir {
            Ir::Const(v) => Col::constant(encode(*v)),
            Ir::Input(i) => return self.input(*i),
            Ir::GroupInput(i) => return self.group_input(*i, entity),
            Ir::MemberVar(v) => return self.variable(*v),
            Ir::GroupVar(v) => {
                if matches!(entity, Entity::Group) {
                    return self.variable(*v);
                }
                if let Some(spread) = self.spread.get(*v).and_then(Option::as_ref) {
                    return Rc::clone(spread);
                }
                let h = self.variable(*v);
                let vals = match &h.vals {
                    Vals::Const(c) => Vals::Const(*c),
                    Vals::Col(c) => Vals::Col(
                        (self.household_of().iter())
                            .map(|hh| c.get(*hh).copied().unwrap_or(0))
                            .collect(),
                    ),
                };
                let mut errors = Errors::new();
                for (hh, e) in &h.errors {
                    for p in members(&self.starts, *hh) {
                        errors.insert(p, e.clone());
                    }
                }
                let spread = Rc::new(Col { vals, errors });
                if let Some(slot) = self.spread.get_mut(*v) {
                    *slot = Some(Rc::clone(&spread));
                }
                return spread;
            }
            Ir::Param { leaves, index } => match index {
                None => match leaves.first().map(|l| self.parameter(l)) {
                    Some(Ok(v)) => Col::constant(v),
                    Some(Err(e)) => Col::failed(rows, &e),
                    None => Col::constant(0),
                },
                Some(index) => {
                    let table: Vec<Result<i64, EvalError>> =
                        leaves.iter().map(|l| self.parameter(l)).collect();
                    let c = owned(self.eval(index, entity));
                    let mut errors = c.errors;
                    let codes = c.vals.into_buf(rows);
                    let mut values = Buf::with_capacity(rows);
                    for (r, code) in codes.iter().enumerate() {
                        match table.get(usize::try_from(*code).unwrap_or(usize::MAX)) {
                            Some(Ok(v)) => values.push(*v),
                            Some(Err(e)) => {
                                values.push(0);
                                errors.entry(r).or_insert_with(|| e.clone());
                            }
                            None => values.push(*code),
                        }
                    }
                    Col {
                        vals: Vals::Col(values),
                        errors,
                    }
                }
            },
            Ir::Neg(a) => mapped(self.eval(a, entity), |v| -v),
            Ir::Not(a) => mapped(self.eval(a, entity), |v| i64::from(v == 0)),
            Ir::If(cond, a, b) => {
                let c = self.eval(cond, entity);
                // A condition without errors that is the same for every row: only the taken
                // branch runs, as in the interpreter.
                if let (Vals::Const(flag), true) = (&c.vals, c.errors.is_empty()) {
                    let (branch, ty) = if *flag != 0 { (a, &a.ty) } else { (b, &b.ty) };
                    return widen(self.eval(branch, entity), ty, &node.ty);
                }
                let then = widen(self.eval(a, entity), &a.ty, &node.ty);
                let otherwise = widen(self.eval(b, entity), &b.ty, &node.ty);
                let vals = match &c.vals {
                    Vals::Const(f) => {
                        if *f != 0 {
                            then.vals.clone()
                        } else {
                            otherwise.vals.clone()
                        }
                    }
                    // Each combination of constant and column branches as its own loop.
                    Vals::Col(flags) => Vals::Col(match (&then.vals, &otherwise.vals) {
                        (Vals::Const(t), Vals::Const(o)) => flags
                            .iter()
                            .map(|f| if *f != 0 { *t } else { *o })
                            .collect(),
                        (Vals::Col(t), Vals::Const(o)) => flags
                            .iter()
                            .zip(t)
                            .map(|(f, t)| if *f != 0 { *t } else { *o })
                            .collect(),
                        (Vals::Const(t), Vals::Col(o)) => flags
                            .iter()
                            .zip(o)
                            .map(|(f, o)| if *f != 0 { *t } else { *o })
                            .collect(),
                        (Vals::Col(t), Vals::Col(o)) => flags
                            .iter()
                            .zip(t.iter().zip(o))
                            .map(|(f, (t, o))| if *f != 0 { *t } else { *o })
                            .collect(),
                    }),
                };
                let mut out = Col {
                    vals,
                    errors: c.errors.clone(),
                };
                let flag = |r: usize| c.vals.get(r) != 0;
                out.absorb(then.errors.clone(), flag);
                out.absorb(otherwise.errors.clone(), |r| !flag(r));
                out
            }
            Ir::Binary(op, a, b) => {
                let left = self.eval(a, entity);
                match op {
                    BinOp::And | BinOp::Or => {
                        let decided = i64::from(*op == BinOp::Or);
                        if let (Vals::Const(l), true) = (&left.vals, left.errors.is_empty()) {
                            if i64::from(*l != 0) == decided {
                                return Rc::new(Col::constant(decided));
                            }
                            // The other side decides; booleans are already 0 or 1.
                            return self.eval(b, entity);
                        }
                        let right = self.eval(b, entity);
                        // Booleans are always 0 or 1 here, so the operators are bitwise and
                        // the loop has no branch.
                        let vals = if *op == BinOp::And {
                            zip_map(&left.vals, &right.vals, |l, r| l & r)
                        } else {
                            zip_map(&left.vals, &right.vals, |l, r| l | r)
                        };
                        let mut out = Col {
                            vals,
                            errors: left.errors.clone(),
                        };
                        let undecided = |r: usize| {
                            i64::from(left.vals.get(r) != 0) != decided
                                && !left.errors.contains_key(&r)
                        };
                        out.absorb(right.errors.clone(), undecided);
                        out
                    }
                    op if op.is_comparison() => {
                        let right = self.eval(b, entity);
                        let vals = compare_columns(*op, &left.vals, &a.ty, &right.vals, &b.ty);
                        let mut out = Col {
                            vals,
                            errors: left.errors.clone(),
                        };
                        out.absorb(right.errors.clone(), |_| true);
                        out
                    }
                    op => {
                        let right = self.eval(b, entity);
                        let left = match add_in_place(*op, &a.ty, left, &b.ty, &right.vals) {
                            Ok(mut out) => {
                                out.absorb(right.errors.clone(), |_| true);
                                return Rc::new(out);
                            }
                            Err(left) => left,
                        };
                        if let Some(vals) =
                            fast_arithmetic(*op, &a.ty, &left.vals, &b.ty, &right.vals)
                        {
                            let mut out = Col {
                                vals,
                                errors: left.errors.clone(),
                            };
                            out.absorb(right.errors.clone(), |_| true);
                            return Rc::new(out);
                        }
                        let f = arithmetic(*op, &a.ty, &b.ty);
                        let failed = std::cell::RefCell::new(Vec::new());
                        let vals = match (&left.vals, &right.vals) {
                            (Vals::Const(x), Vals::Const(y)) => match f(*x, *y) {
                                Some(v) => Vals::Const(v),
                                None => {
                                    failed.borrow_mut().extend((0..rows).map(|r| (r, *y)));
                                    Vals::Const(0)
                                }
                            },
                            _ => {
                                let mut out = Buf::with_capacity(rows);
                                for r in 0..rows {
                                    let (x, y) = (left.vals.get(r), right.vals.get(r));
                                    match f(x, y) {
                                        Some(v) => out.push(v),
                                        None => {
                                            out.push(0);
                                            failed.borrow_mut().push((r, y));
                                        }
                                    }
                                }
                                Vals::Col(out)
                            }
                        };
                        let mut out = Col {
                            vals,
                            errors: left.errors.clone(),
                        };
                        out.absorb(right.errors.clone(), |_| true);
                        for (r, divisor) in failed.into_inner() {
                            let e = if *op == BinOp::Div && divisor == 0 {
                                EvalError::DivisionByZero {
                                    shown: node.shown.clone(),
                                }
                            } else {
                                EvalError::Overflow {
                                    shown: node.shown.clone(),
                                }
                            };
                            out.errors.entry(r).or_insert(e);
                        }
                        out
                    }
                }
            }
            Ir::Extreme { max, args } => {
                let mut out: Option<Col> = None;
                for a in args {
                    let c = owned(widen(self.eval(a, entity), &a.ty, &node.ty));
                    out = Some(match out {
                        None => c,
                        Some(best) => {
                            let vals = zip_map(&best.vals, &c.vals, |b, v| {
                                if *max {
                                    b.max(v)
                                } else {
                                    b.min(v)
                                }
                            });
                            let mut next = Col {
                                vals,
                                errors: best.errors,
                            };
                            next.absorb(c.errors, |_| true);
                            next
                        }
                    });
                }
                out.unwrap_or_else(|| Col::constant(0))
            }
            Ir::Members {
                aggregate,
                filter,
                body,
            } => {
                let filter = filter.as_ref().map(|f| self.eval(f, Entity::Member));
                let body = body.as_ref().map(|b| self.eval(b, Entity::Member));
                let mut values = Buf::zeroed(self.rows(Entity::Group));
                let mut errors = Errors::new();
                let clean = filter.as_ref().is_none_or(|f| f.errors.is_empty())
                    && body.as_ref().is_none_or(|b| b.errors.is_empty());
                // Without errors: plain loops over slices, whole chunk at once.
                let fast = if clean {
                    let rows = self.rows(Entity::Member);
                    let filter_slice = filter.as_ref().map(|f| f.vals.slice(rows));
                    let body_slice = body.as_ref().map(|b| b.vals.slice(rows));
                    aggregate_slices(
                        *aggregate,
                        &self.starts,
                        filter_slice.as_deref().map(|f| &f[..]),
                        body_slice.as_deref().map(|b| &b[..]),
                    )
                } else {
                    None
                };
                if let Some(fast) = &fast {
                    values.copy_from_slice(fast);
                }
                for (h, out) in values.iter_mut().enumerate() {
                    let members = members(&self.starts, h);
                    if clean && fast.is_some() {
                        continue;
                    }
                    if clean {
                        // The common case, without error bookkeeping.
                        let passes =
                            |p: &usize| filter.as_ref().is_none_or(|f| f.vals.get(*p) != 0);
                        *out = match (aggregate, &body) {
                            (Aggregate::Count, _) | (_, None) => {
                                members.filter(passes).count() as i64
                            }
                            (Aggregate::Sum, Some(b)) => {
                                let mut sum: Option<i64> = Some(0);
                                for p in members.filter(passes) {
                                    sum = sum.and_then(|s| s.checked_add(b.vals.get(p)));
                                }
                                match sum {
                                    Some(s) => s,
                                    None => {
                                        errors.insert(
                                            h,
                                            EvalError::Overflow {
                                                shown: node.shown.clone(),
                                            },
                                        );
                                        0
                                    }
                                }
                            }
                            (Aggregate::Any, Some(b)) => {
                                i64::from(members.filter(passes).any(|p| b.vals.get(p) != 0))
                            }
                            (Aggregate::All, Some(b)) => {
                                i64::from(members.filter(passes).all(|p| b.vals.get(p) != 0))
                            }
                            (Aggregate::Max, Some(b)) => members
                                .filter(passes)
                                .map(|p| b.vals.get(p))
                                .max()
                                .unwrap_or(0),
                            (Aggregate::Min, Some(b)) => members
                                .filter(passes)
                                .map(|p| b.vals.get(p))
                                .min()
                                .unwrap_or(0),
                        };
                        continue;
                    }
                    let mut acc: Option<i64> = None;
                    let mut count = 0;
                    let mut failure = None;
                    for p in members {
                        if let Some(f) = &filter {
                            if let Some(e) = f.errors.get(&p) {
                                failure = Some(e.clone());
                                break;
                            }
                            if f.vals.get(p) == 0 {
                                continue;
                            }
                        }
                        count += 1;
                        let Some(b) = &body else { continue };
                        if let Some(e) = b.errors.get(&p) {
                            failure = Some(e.clone());
                            break;
                        }
                        let v = b.vals.get(p);
                        acc = Some(match (aggregate, acc) {
                            (_, None) => v,
                            (Aggregate::Sum, Some(a)) => match a.checked_add(v) {
                                Some(s) => s,
                                None => {
                                    failure = Some(EvalError::Overflow {
                                        shown: node.shown.clone(),
                                    });
                                    break;
                                }
                            },
                            (Aggregate::Any, Some(a)) => i64::from(a != 0 || v != 0),
                            (Aggregate::All, Some(a)) => i64::from(a != 0 && v != 0),
                            (Aggregate::Max, Some(a)) => a.max(v),
                            (Aggregate::Min, Some(a)) => a.min(v),
                            (Aggregate::Count, Some(a)) => a,
                        });
                    }
                    if let Some(e) = failure {
                        errors.insert(h, e);
                        continue;
                    }
                    *out = match (aggregate, acc) {
                        (Aggregate::Count, _) => count,
                        (_, Some(v)) => v,
                        (Aggregate::All, None) => 1,
                        (_, None) => 0,
                    };
                }
                Col {
                    vals: Vals::Col(values),
                    errors,
                }
            }
        };
        Rc::new(column)
    }
}

/// The household of each member, given where each household's members start: a mark where
/// each household after the first begins, then running totals of the marks. Two branch-free
/// passes, where a loop per household mispredicts its exit at nearly every household.
fn household_of(starts: &[usize]) -> Vec<usize> {
    let persons = starts.last().copied().unwrap_or(0);
    let mut marks = vec![0usize; persons + 1];
    let between = starts.get(1..starts.len().saturating_sub(1));
    for s in between.unwrap_or_default() {
        if let Some(mark) = marks.get_mut(*s) {
            *mark += 1;
        }
    }
    marks.truncate(persons);
    let mut household = 0;
    for m in &mut marks {
        household += *m;
        *m = household;
    }
    marks
}

/// The rows of household `h`'s members, given where each household's members start.
fn members(starts: &[usize], h: usize) -> std::ops::Range<usize> {
    match starts.get(h..h.saturating_add(2)) {
        Some(&[first, end]) => first..end,
        _ => 0..0,
    }
}

/// Scales an int column to fixed point where a number is expected.
fn widen(c: Rc<Col>, from: &Type, to: &Type) -> Rc<Col> {
    if *from == Type::Int && *to == Type::Number {
        return Rc::new(mapped(c, |v| v.saturating_mul(Number::SCALE)));
    }
    c
}

/// `f` over a column: in place when nothing else holds it, else in one pass into a new one
/// (rather than a copy and then a second pass over the copy).
fn mapped(c: Rc<Col>, f: impl Fn(i64) -> i64) -> Col {
    match Rc::try_unwrap(c) {
        Ok(c) => Col {
            vals: c.vals.map(f),
            errors: c.errors,
        },
        Err(shared) => Col {
            vals: match &shared.vals {
                Vals::Const(v) => Vals::Const(f(*v)),
                Vals::Col(values) => Vals::Col(values.iter().map(|v| f(*v)).collect()),
            },
            errors: shared.errors.clone(),
        },
    }
}

/// The column itself, copied only if a variable's cache shares it.
fn owned(c: Rc<Col>) -> Col {
    Rc::try_unwrap(c).unwrap_or_else(|c| (*c).clone())
}

fn scaled(ty: &Type) -> bool {
    *ty == Type::Number
}

/// An aggregate over members for every household of a chunk, from plain slices (no errors
/// in them). `None` when a sum could overflow: the checked path then finds the household.
fn aggregate_slices(
    aggregate: Aggregate,
    starts: &[usize],
    filter: Option<&[i64]>,
    body: Option<&[i64]>,
) -> Option<Buf> {
    let households = starts.len().saturating_sub(1);
    let ranges = (0..households).map(|h| members(starts, h));
    let persons = starts.last().copied().unwrap_or(0);
    // Every member's value, or `None` (the checked path) for a slice shorter than the chunk.
    let filter = match filter {
        Some(w) => Some(w.get(..persons)?),
        None => None,
    };
    let body = match body {
        Some(b) => Some(b.get(..persons)?),
        None => None,
    };
    // Filters are 0/1: a member who does not pass contributes nothing to a count or a sum.
    let b = match (aggregate, body, filter) {
        (Aggregate::Count, _, None) | (_, None, None) => {
            return Some(ranges.map(|m| (m.end - m.start) as i64).collect());
        }
        (Aggregate::Count, _, Some(w)) | (_, None, Some(w)) => {
            return household_sums(starts, w.iter().copied(), 1);
        }
        (Aggregate::Sum, Some(b), None) => {
            return household_sums(starts, b.iter().copied(), largest(b));
        }
        (Aggregate::Sum, Some(b), Some(w)) => {
            let terms = b.iter().zip(w).map(|(v, w)| v * w);
            return household_sums(starts, terms, largest(b));
        }
        // Any and all count the passing members whose value is true, or false: branch-free
        // sums of 0/1 terms, which cannot overflow.
        (Aggregate::Any, Some(b), _) | (Aggregate::All, Some(b), _) => {
            let any = aggregate == Aggregate::Any;
            let truth = b.iter().map(|v| i64::from((*v != 0) == any));
            let counts = match filter {
                Some(w) => household_sums(starts, truth.zip(w).map(|(t, w)| t * w), 1)?,
                None => household_sums(starts, truth, 1)?,
            };
            return Some(counts.iter().map(|c| i64::from((*c > 0) == any)).collect());
        }
        (_, Some(b), _) => b,
    };
    let passes = |p: usize| filter.is_none_or(|w| w.get(p).is_some_and(|v| *v != 0));
    let extreme = |m: std::ops::Range<usize>| m.filter(|p| passes(*p)).filter_map(|p| b.get(p));
    let extreme = |m| extreme(m).copied();
    Some(match aggregate {
        Aggregate::Max => ranges.map(|m| extreme(m).max().unwrap_or(0)).collect(),
        Aggregate::Min => ranges.map(|m| extreme(m).min().unwrap_or(0)).collect(),
        // Counts, sums, any and all were answered above.
        Aggregate::Count | Aggregate::Sum | Aggregate::Any | Aggregate::All => return None,
    })
}

/// Each household's sum of `terms` (one per member, in order, none larger than `largest` in
/// magnitude), by running totals: one pass over the members with no branch at a household's end
/// (households have two or three members, so a loop per household mostly mispredicts its exit),
/// then one subtraction per household. The wrapping adds are exact because no household's sum
/// can leave `i64`, which is checked first from the largest term and the largest household; if
/// one could, `None`.
fn household_sums(starts: &[usize], terms: impl Iterator<Item = i64>, largest: u64) -> Option<Buf> {
    // Each household's first member and the next household's (`windows(2)` gives exactly two).
    let spans = || {
        starts.windows(2).map(|w| match w {
            [first, end] => (*first, *end),
            _ => (0, 0),
        })
    };
    let widest = spans().map(|(first, end)| end - first).max().unwrap_or(0);
    if u128::from(largest) * widest as u128 > i64::MAX as u128 {
        return None;
    }
    let mut running = Buf::with_capacity(terms.size_hint().0 + 1);
    running.push(0);
    let mut total = 0i64;
    running.extend(terms.map(|t| {
        total = total.wrapping_add(t);
        total
    }));
    let at = |p: usize| running.get(p).copied().unwrap_or(0);
    Some(
        spans()
            .map(|(first, end)| at(end).wrapping_sub(at(first)))
            .collect(),
    )
}

/// A bound on the magnitudes in `values`: no value is larger than it.
fn largest(values: &[i64]) -> u64 {
    match bits_needed(values) {
        0 => 0,
        bits => 1u64 << (bits - 1).min(63),
    }
}

/// The fewest bits of two's complement that hold every value of `values`: each fits in
/// `-2^(bits-1) .. 2^(bits-1)`. Found from where each value's bits stop repeating its sign
/// (`v ^ (v << 1)`), by shifts and ors alone, which vectorize on any x86-64; a minimum and a
/// maximum of 64-bit values do not (no 64-bit compare before SSE4.2).
fn bits_needed(values: &[i64]) -> u32 {
    let changes = values.iter().fold(0u64, |m, v| m | (*v ^ (*v << 1)) as u64);
    64 - changes.leading_zeros()
}

/// A comparison as one monomorphic loop per operator (ints widened first where compared
/// with numbers, as the interpreter does).
fn compare_columns(op: BinOp, a: &Vals, ta: &Type, b: &Vals, tb: &Type) -> Vals {
    let scale = |v: &Vals| v.clone().map(|x| x.saturating_mul(Number::SCALE));
    let (widened_a, widened_b);
    let (a, b) = match (scaled(ta), scaled(tb)) {
        (false, true) => {
            widened_a = scale(a);
            (&widened_a, b)
        }
        (true, false) => {
            widened_b = scale(b);
            (a, &widened_b)
        }
        _ => (a, b),
    };
    match op {
        BinOp::Lt => zip_map(a, b, |x, y| i64::from(x < y)),
        BinOp::Le => zip_map(a, b, |x, y| i64::from(x <= y)),
        BinOp::Gt => zip_map(a, b, |x, y| i64::from(x > y)),
        BinOp::Ge => zip_map(a, b, |x, y| i64::from(x >= y)),
        BinOp::Eq => zip_map(a, b, |x, y| i64::from(x == y)),
        _ => zip_map(a, b, |x, y| i64::from(x != y)),
    }
}

/// Addition, subtraction, multiplication and money per head as plain loops; if any row
/// overflows (or divides by zero) the caller falls back to the checked path, which finds and
/// reports the rows.
fn fast_arithmetic(op: BinOp, ta: &Type, a: &Vals, tb: &Type, b: &Vals) -> Option<Vals> {
    use Type::*;
    let same_units = matches!((ta, tb), (Money, Money) | (Int, Int) | (Number, Number));
    match op {
        BinOp::Add if same_units => zip_map_checked(a, b, i64::overflowing_add),
        BinOp::Sub if same_units => zip_map_checked(a, b, i64::overflowing_sub),
        BinOp::Mul if matches!((ta, tb), (Int, Int) | (Money, Int) | (Int, Money)) => {
            zip_map_checked(a, b, i64::overflowing_mul)
        }
        // A standard times a factor: the product in 64 bits, rounded back to fen.
        BinOp::Mul if matches!((ta, tb), (Money, Number) | (Number, Money)) => {
            zip_map_checked(a, b, |x, y| {
                let (v, o) = x.overflowing_mul(y);
                (
                    div_round_i64(v, crate::value::Number::SCALE).unwrap_or(0),
                    o,
                )
            })
        }
        // Income per head: a zero divisor falls back too, and is reported there.
        BinOp::Div if matches!((ta, tb), (Money, Int)) => {
            zip_map_checked(a, b, |x, y| match div_round_i64(x, y) {
                Some(v) => (v, false),
                None => (0, true),
            })
        }
        _ => None,
    }
}

/// `left + right` or `left - right` written over `left`'s values when nothing else holds them
/// (a partial sum, say), sparing a fresh column; `Err(left)` when it cannot be done, or when a
/// row overflows (the values are then restored, for the checked path to find the row).
fn add_in_place(
    op: BinOp,
    ta: &Type,
    left: Rc<Col>,
    tb: &Type,
    right: &Vals,
) -> Result<Col, Rc<Col>> {
    let same_units = matches!(
        (ta, tb),
        (Type::Money, Type::Money) | (Type::Int, Type::Int) | (Type::Number, Type::Number)
    );
    if !same_units || !matches!(op, BinOp::Add | BinOp::Sub) || matches!(left.vals, Vals::Const(_))
    {
        return Err(left);
    }
    let mut col = Rc::try_unwrap(left)?;
    let Vals::Col(values) = &mut col.vals else {
        return Err(Rc::new(col));
    };
    let overflowed = if op == BinOp::Add {
        apply_in_place(values, right, i64::overflowing_add, i64::wrapping_sub)
    } else {
        apply_in_place(values, right, i64::overflowing_sub, i64::wrapping_add)
    };
    if overflowed {
        return Err(Rc::new(col));
    }
    Ok(col)
}

/// `values[r] = f(values[r], right[r])`; if any row overflows, every row is put back with
/// `undo` (which inverts `f` in wrapping arithmetic) and the answer is true.
fn apply_in_place(
    values: &mut [i64],
    right: &Vals,
    f: impl Fn(i64, i64) -> (i64, bool),
    undo: impl Fn(i64, i64) -> i64,
) -> bool {
    let mut overflow = false;
    let mut step = |x: &mut i64, y: i64| {
        let (v, o) = f(*x, y);
        overflow |= o;
        *x = v;
    };
    match right {
        Vals::Const(y) => values.iter_mut().for_each(|x| step(x, *y)),
        Vals::Col(ys) => values
            .iter_mut()
            .zip(ys.iter())
            .for_each(|(x, y)| step(x, *y)),
    }
    if overflow {
        match right {
            Vals::Const(y) => values.iter_mut().for_each(|x| *x = undo(*x, *y)),
            Vals::Col(ys) => values
                .iter_mut()
                .zip(ys.iter())
                .for_each(|(x, y)| *x = undo(*x, *y)),
        }
    }
    overflow
}

/// `value::div_round` in 64 bits, for the hot loops (the same rounding, half away from zero).
fn div_round_i64(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let q = numerator.checked_div(denominator)?;
    let r = numerator % denominator;
    if r == 0 {
        return Some(q);
    }
    let away = r.unsigned_abs() * 2 >= denominator.unsigned_abs();
    let sign = if (numerator < 0) != (denominator < 0) {
        -1
    } else {
        1
    };
    Some(if away { q + sign } else { q })
}

fn fits(n: i128) -> Option<i64> {
    i64::try_from(n).ok()
}

/// The arithmetic of `eval::arithmetic`, for raw values of known types, chosen once per column.
fn arithmetic(op: BinOp, a: &Type, b: &Type) -> Box<dyn Fn(i64, i64) -> Option<i64>> {
    let scale = i128::from(crate::value::Number::SCALE);
    use Type::*;
    match (op, a, b) {
        (BinOp::Add, Money, Money) | (BinOp::Add, Int, Int) => {
            Box::new(|x: i64, y| x.checked_add(y))
        }
        (BinOp::Sub, Money, Money) | (BinOp::Sub, Int, Int) => {
            Box::new(|x: i64, y| x.checked_sub(y))
        }
        (BinOp::Mul, Int, Int) | (BinOp::Mul, Money, Int) | (BinOp::Mul, Int, Money) => {
            Box::new(|x: i64, y| x.checked_mul(y))
        }
        (BinOp::Mul, Money, Number) | (BinOp::Mul, Number, Money) => {
            Box::new(move |x: i64, y| match x.checked_mul(y) {
                Some(product) => div_round_i64(product, crate::value::Number::SCALE),
                None => fits(div_round(i128::from(x) * i128::from(y), scale)?),
            })
        }
        (BinOp::Div, Money, Int) => Box::new(div_round_i64),
        (BinOp::Div, Money, Number) | (BinOp::Div, Money, Money) => {
            Box::new(move |x, y| fits(div_round(i128::from(x) * scale, i128::from(y))?))
        }
        (op, a, b) => {
            let (sa, sb) = (scaled(a), scaled(b));
            Box::new(move |x, y| {
                let x = if sa {
                    i128::from(x)
                } else {
                    i128::from(x) * scale
                };
                let y = if sb {
                    i128::from(y)
                } else {
                    i128::from(y) * scale
                };
                fits(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => div_round(x * y, scale)?,
                    BinOp::Div => div_round(x * scale, y)?,
                    _ => return None,
                })
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_parts_keep_every_value_dense_or_sparse() {
        // Kept values at a sparse part's first row, in its middle and at its last row.
        let mostly_zero: Vec<i64> = (0..100)
            .map(|i| if [0, 37, 99].contains(&i) { i - 5 } else { 0 })
            .collect();
        let dense: Vec<i64> = (0..100).map(|i| i * 1_000).collect();
        let sparse = Part::new(&mostly_zero);
        assert!(matches!(sparse, Part::Sparse { .. }));
        assert!(matches!(Part::new(&dense), Part::Dense(_)));
        let column = Column::from_parts(
            vec![Part::new(&dense), sparse, Part::new(&[7])],
            Errors::new(),
        );
        assert_eq!(column.len(), 201);
        let expected: Vec<i64> = dense
            .iter()
            .chain(&mostly_zero)
            .chain(&[7])
            .copied()
            .collect();
        assert_eq!(column.iter().collect::<Vec<_>>(), expected);
        assert_eq!(
            (0..201).map(|r| column.get(r)).collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn every_member_is_placed_in_their_household_even_around_empty_ones() {
        // Households of 0, 2, 0, 0, 3 and 1 members.
        let starts = [0, 0, 2, 2, 2, 5, 6];
        assert_eq!(household_of(&starts), vec![1, 1, 4, 4, 4, 5]);
        assert_eq!(household_of(&[0]), Vec::<usize>::new());
        assert_eq!(household_of(&[0, 0]), Vec::<usize>::new());
    }

    #[test]
    fn aggregates_over_slices_agree_with_one_loop_per_household() {
        // Households of 3, 0, 1, 2 and 4 members; the filter lets some members through.
        let starts = [0, 3, 3, 4, 6, 10];
        let body = [5, 0, -2, 0, 7, 7, 0, 0, 0, 0];
        let flags = [1, 0, 1, 0, 1, 0, 1, 1, 0, 1];
        let filter = [1, 1, 0, 1, 0, 1, 1, 0, 1, 1];
        for aggregate in [
            Aggregate::Count,
            Aggregate::Sum,
            Aggregate::Any,
            Aggregate::All,
            Aggregate::Max,
            Aggregate::Min,
        ] {
            let values: &[i64] = match aggregate {
                Aggregate::Any | Aggregate::All => &flags,
                _ => &body,
            };
            for filter in [None, Some(&filter[..])] {
                let expected: Vec<i64> = starts
                    .windows(2)
                    .map(|w| {
                        let passing: Vec<i64> = (w[0]..w[1])
                            .filter(|p| filter.is_none_or(|f| f[*p] != 0))
                            .map(|p| values[p])
                            .collect();
                        match aggregate {
                            Aggregate::Count => passing.len() as i64,
                            Aggregate::Sum => passing.iter().sum(),
                            Aggregate::Any => i64::from(passing.iter().any(|v| *v != 0)),
                            Aggregate::All => i64::from(passing.iter().all(|v| *v != 0)),
                            Aggregate::Max => passing.iter().copied().max().unwrap_or(0),
                            Aggregate::Min => passing.iter().copied().min().unwrap_or(0),
                        }
                    })
                    .collect();
                let got = aggregate_slices(aggregate, &starts, filter, Some(values));
                assert_eq!(
                    got.map(|b| b.to_vec()),
                    Some(expected),
                    "{aggregate:?} with filter {filter:?}"
                );
            }
        }
    }

    #[test]
    fn a_sum_in_place_that_overflows_puts_every_value_back() {
        let column = |values: Vec<i64>| {
            Rc::new(Col {
                vals: Vals::Col(values.into_iter().collect()),
                errors: Errors::new(),
            })
        };
        let right = Vals::Col(vec![1, 2, 3].into_iter().collect());
        let added = add_in_place(
            BinOp::Add,
            &Type::Money,
            column(vec![10, 20, 30]),
            &Type::Money,
            &right,
        );
        assert_eq!(
            added.map(|c| c.vals.slice(3).to_vec()).ok(),
            Some(vec![11, 22, 33])
        );
        let overflowing = add_in_place(
            BinOp::Add,
            &Type::Money,
            column(vec![10, i64::MAX - 1, 30]),
            &Type::Money,
            &right,
        );
        match overflowing {
            Err(back) => assert_eq!(back.vals.slice(3).to_vec(), vec![10, i64::MAX - 1, 30]),
            Ok(_) => panic!("an overflowing sum was accepted"),
        }
        // A column another holder shares (a variable's, an input's) is never written over.
        let shared = column(vec![1, 1, 1]);
        let kept = Rc::clone(&shared);
        assert!(add_in_place(BinOp::Sub, &Type::Money, shared, &Type::Money, &right).is_err());
        assert_eq!(kept.vals.slice(3).to_vec(), vec![1, 1, 1]);
    }

    #[test]
    fn the_bits_a_column_needs_are_exact_at_every_width() {
        let cases: [(i64, u32); 14] = [
            (0, 0),
            (-1, 1),
            (1, 2),
            (127, 8),
            (-128, 8),
            (128, 9),
            (-129, 9),
            (i64::from(i16::MAX), 16),
            (i64::from(i16::MIN), 16),
            (i64::from(i32::MAX), 32),
            (i64::from(i32::MIN), 32),
            (i64::from(i32::MAX) + 1, 33),
            (i64::MAX, 64),
            (i64::MIN, 64),
        ];
        for (value, bits) in cases {
            assert_eq!(bits_needed(&[0, value, 0]), bits, "{value}");
            assert!(largest(&[value]) >= value.unsigned_abs(), "{value}");
        }
        assert!(matches!(Packed::from_slice(&[-128, 127]), Packed::I8(_)));
        assert!(matches!(Packed::from_slice(&[128]), Packed::I16(_)));
        assert!(matches!(Packed::from_slice(&[-32_769]), Packed::I32(_)));
        assert!(matches!(Packed::from_slice(&[1 << 31]), Packed::I64(_)));
    }

    #[test]
    fn sixty_four_bit_rounding_matches_the_reference() {
        for n in -50i64..=50 {
            for d in [-7i64, -4, -3, -2, -1, 1, 2, 3, 4, 7, 10_000] {
                let reference = div_round(i128::from(n), i128::from(d)).map(|v| v as i64);
                assert_eq!(div_round_i64(n, d), reference, "{n} / {d}");
            }
        }
        assert_eq!(div_round_i64(5, 0), None);
    }
}
