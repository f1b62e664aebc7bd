package io.jbroker.store;

import io.jbroker.data.Data;
import java.time.Duration;
import java.util.Objects;

/**
 * A store mutation: the closed set of write commands of SEMANTICS.md. A master applies them in
 * order through {@link StoreCore#apply}; the rules of each are in {@link Operations}.
 *
 * <p>{@code expiry} is a relative timespan or {@code null} for none; a given expiry must be
 * positive (else {@code INVALID_DATA}). {@link Put} and {@link PutUnique} replace the entry's
 * deadline ({@code null}: no deadline); the modifying commands set a new deadline when an
 * expiry is given and keep the existing one otherwise.
 */
public sealed interface Mutation {
  /** The key this mutation writes, or {@code null} for {@link Clear}. */
  Data key();

  /** The relative expiry, or {@code null}. */
  default Duration expiry() {
    return null;
  }

  /** Insert or overwrite; result: none. */
  record Put(Data key, Data value, Duration expiry) implements Mutation {
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Insert only if absent; result: boolean, {@code true} if inserted. */
  record PutUnique(Data key, Data value, Duration expiry) implements Mutation {
    public PutUnique {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Remove the key if present. */
  record Erase(Data key) implements Mutation {
    public Erase {
      Objects.requireNonNull(key, "key");
    }
  }

  /** Remove every key. */
  record Clear() implements Mutation {
    @Override
    public Data key() {
      return null;
    }
  }

  /** Add {@code amount} (count, integer, real or timespan), creating the key from zero. */
  record Increment(Data key, Data amount, Duration expiry) implements Mutation {
    public Increment {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(amount, "amount");
    }
  }

  /** Subtract {@code amount}; the key must exist. */
  record Decrement(Data key, Data amount, Duration expiry) implements Mutation {
    public Decrement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(amount, "amount");
    }
  }

  /** Append a string to a string, creating the key. */
  record Append(Data key, Data value, Duration expiry) implements Mutation {
    public Append {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Add an element to a set, creating {@code {element}}. */
  record InsertInto(Data key, Data element, Duration expiry) implements Mutation {
    public InsertInto {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(element, "element");
    }
  }

  /** Set {@code table[index] = value}, or replace/append at a count index of a vector; creates a table. */
  record InsertAt(Data key, Data index, Data value, Duration expiry) implements Mutation {
    public InsertAt {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Remove an element of a set, a key of a table or the element at a count index of a vector. */
  record RemoveFrom(Data key, Data index, Duration expiry) implements Mutation {
    public RemoveFrom {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(index, "index");
    }
  }

  /** Append to a vector, creating {@code [value]}. */
  record Push(Data key, Data value, Duration expiry) implements Mutation {
    public Push {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Remove the last element of a vector. */
  record Pop(Data key, Duration expiry) implements Mutation {
    public Pop {
      Objects.requireNonNull(key, "key");
    }
  }
}
