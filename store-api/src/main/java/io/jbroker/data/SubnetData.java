package io.jbroker.data;

import java.util.Objects;

/**
 * Broker's {@code subnet}: a network address and Broker's <em>raw</em> length byte, which for an
 * IPv4 network is the prefix length plus 96 (the prefix within the IPv4-mapped address).
 *
 * <p>{@link #of(AddressData, int)} and {@link #parse(String)} take the logical prefix and clear
 * the host bits. The canonical constructor takes both fields verbatim, as Broker's decoder does
 * (it validates neither the length nor the host bits).
 */
public record SubnetData(AddressData network, int rawLength) implements Data {
  public SubnetData {
    Objects.requireNonNull(network, "network");
    if (rawLength < 0 || rawLength > 255) {
      throw new IllegalArgumentException("subnet raw length " + rawLength + " is outside 0..255");
    }
  }

  /**
   * The subnet of {@code address} with logical prefix length {@code prefixLength} (0–32 for
   * IPv4, 0–128 for IPv6); host bits are cleared.
   */
  public static SubnetData of(AddressData address, int prefixLength) {
    int max = address.isV4() ? 32 : 128;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException(
          "prefix length " + prefixLength + " is outside 0.." + max + " for " + address);
    }
    int raw = address.isV4() ? prefixLength + 96 : prefixLength;
    return new SubnetData(address.mask(raw), raw);
  }

  /**
   * Parses {@code address/prefix}, e.g. {@code 192.168.9.8/24} (host bits are cleared).
   *
   * @throws IllegalArgumentException if the text is not a subnet
   */
  public static SubnetData parse(String text) {
    int slash = text.lastIndexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not a subnet (no '/'): \"" + text + "\"");
    }
    AddressData address = AddressData.tryParse(text.substring(0, slash));
    String len = text.substring(slash + 1);
    if (address == null || len.isEmpty() || len.length() > 3
        || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a subnet: \"" + text + "\"");
    }
    return of(address, Integer.parseInt(len));
  }

  /**
   * The logical prefix length: for IPv4 the raw length minus 96, wrapped to a byte as Broker's
   * {@code subnet::length()} does; for IPv6 the raw length.
   */
  public int prefixLength() {
    return network.isV4() ? (rawLength - 96) & 0xFF : rawLength;
  }

  /** Whether {@code address} lies in this subnet. */
  public boolean contains(AddressData address) {
    return rawLength <= 128 && address.mask(rawLength).equals(network.mask(rawLength));
  }

  @Override
  public DataKind kind() {
    return DataKind.SUBNET;
  }

  @Override
  public String toString() {
    return network + "/" + prefixLength();
  }
}
