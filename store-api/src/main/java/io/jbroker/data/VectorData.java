package io.jbroker.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** Broker's {@code vector} (also called list): an immutable sequence of data. */
public final class VectorData implements Data {
  static final VectorData EMPTY = new VectorData(List.of());

  private final List<Data> elements;
  private int hash;

  private VectorData(List<Data> elements) {
    this.elements = elements;
  }

  /** The vector of the given elements, in order. */
  public static VectorData of(List<? extends Data> elements) {
    return elements.isEmpty() ? EMPTY : new VectorData(List.copyOf(elements));
  }

  /** The vector of {@code elements}; takes ownership of the array (no copy: decoders build it). */
  static VectorData wrap(Data[] elements) {
    return elements.length == 0 ? EMPTY : new VectorData(Collections.unmodifiableList(Arrays.asList(elements)));
  }

  /** The elements in order (unmodifiable). */
  public List<Data> elements() {
    return elements;
  }

  public int size() {
    return elements.size();
  }

  public boolean isEmpty() {
    return elements.isEmpty();
  }

  public Data get(int index) {
    return elements.get(index);
  }

  /** This vector with {@code element} appended. */
  public VectorData append(Data element) {
    List<Data> copy = new ArrayList<>(elements.size() + 1);
    copy.addAll(elements);
    copy.add(element);
    return new VectorData(List.copyOf(copy));
  }

  /** This vector with the element at {@code index} replaced by {@code element}. */
  public VectorData replace(int index, Data element) {
    List<Data> copy = new ArrayList<>(elements);
    copy.set(index, element);
    return new VectorData(List.copyOf(copy));
  }

  /** This vector without the element at {@code index}; later elements shift down. */
  public VectorData removeAt(int index) {
    List<Data> copy = new ArrayList<>(elements);
    copy.remove(index);
    return copy.isEmpty() ? EMPTY : new VectorData(List.copyOf(copy));
  }

  public Stream<Data> stream() {
    return elements.stream();
  }

  @Override
  public DataKind kind() {
    return DataKind.VECTOR;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof VectorData v && elements.equals(v.elements));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = elements.hashCode() * 31 + 14;
      hash = h;
    }
    return h;
  }

  /** Broker's text form: {@code (a, b, c)}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('(');
    String sep = "";
    for (Data d : elements) {
      sb.append(sep).append(d);
      sep = ", ";
    }
    return sb.append(')').toString();
  }
}
