//! The hash maps of the compiler's hot paths (the index of a merged body,
//! the provenance table of a plan being written, the inheritance chains).
//! They are looked up hundreds of times per pipeline, and the standard
//! library's SipHash costs several times what a fast hash does on short
//! keys. foldhash is still seeded at random per process, so input written
//! to collide is no cheaper to hit it with than SipHash; these maps are
//! looked up, or iterated only into a sorted set, so their order never
//! reaches an output.

/// A `HashMap` with foldhash.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash.
pub type FastHashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
