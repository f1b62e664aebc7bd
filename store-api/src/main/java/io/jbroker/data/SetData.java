package io.jbroker.data;

import java.util.Collection;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Broker's {@code set}: an immutable set of data kept in Broker's order (see {@link Data}). */
public final class SetData implements Data {
  static final SetData EMPTY = new SetData(new TreeSet<>());

  private final NavigableSet<Data> elements;
  private int hash;

  private SetData(TreeSet<Data> elements) {
    this.elements = Collections.unmodifiableNavigableSet(elements);
  }

  /** The set of the given elements; duplicates collapse. */
  public static SetData of(Collection<? extends Data> elements) {
    if (elements.isEmpty()) {
      return EMPTY;
    }
    TreeSet<Data> copy = new TreeSet<>();
    for (Data d : elements) {
      copy.add(java.util.Objects.requireNonNull(d, "set element"));
    }
    return new SetData(copy);
  }

  /** Takes ownership of {@code elements}: the caller must not change it afterwards. */
  static SetData wrap(TreeSet<Data> elements) {
    return elements.isEmpty() ? EMPTY : new SetData(elements);
  }

  /** The elements in ascending order (unmodifiable). */
  public NavigableSet<Data> elements() {
    return elements;
  }

  public int size() {
    return elements.size();
  }

  public boolean isEmpty() {
    return elements.isEmpty();
  }

  public boolean contains(Data element) {
    return elements.contains(element);
  }

  /** This set with {@code element} added (this set itself if it is already present). */
  public SetData with(Data element) {
    if (elements.contains(element)) {
      return this;
    }
    TreeSet<Data> copy = new TreeSet<>(elements);
    copy.add(element);
    return new SetData(copy);
  }

  /** This set without {@code element} (this set itself if it is absent). */
  public SetData without(Data element) {
    if (!elements.contains(element)) {
      return this;
    }
    TreeSet<Data> copy = new TreeSet<>(elements);
    copy.remove(element);
    return wrap(copy);
  }

  public Stream<Data> stream() {
    return elements.stream();
  }

  @Override
  public DataKind kind() {
    return DataKind.SET;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof SetData s && elements.equals(s.elements));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = elements.hashCode() * 31 + 12;
      hash = h;
    }
    return h;
  }

  /** Broker's text form: {@code {a, b, c}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('{');
    String sep = "";
    for (Data d : elements) {
      sb.append(sep).append(d);
      sep = ", ";
    }
    return sb.append('}').toString();
  }
}
