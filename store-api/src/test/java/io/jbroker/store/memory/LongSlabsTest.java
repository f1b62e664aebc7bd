package io.jbroker.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The slab allocator against a model: blocks handed out are zeroed, lie inside their slab, never
 * overlap a live block (each live block keeps the pattern written into it), and a slab is held
 * exactly while one of its blocks is in use.
 */
class LongSlabsTest {
  private final long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
  private final Random random = new Random(seed);

  private record Live(long block, int log, long mark) {
    int slab() {
      return (int) (block >>> 32);
    }

    int base() {
      return (int) block;
    }
  }

  @Test
  void blocksAreZeroedDisjointAndSlabsAreHeldExactlyWhileInUse() {
    LongSlabs slabs = new LongSlabs();
    List<Live> live = new ArrayList<>();
    long marks = 0;
    for (int step = 0; step < 20_000; step++) {
      String at = "seed " + seed + " step " + step;
      // grow for a while, then shrink, so that slabs fill up and empty out again
      boolean grow = (step / 2_000) % 2 == 0 ? random.nextInt(10) < 7 : random.nextInt(10) < 3;
      if (grow || live.isEmpty()) {
        int log = LongSlabs.MIN_LOG + random.nextInt(LongSlabs.MAX_LOG - LongSlabs.MIN_LOG + 1);
        long block = slabs.allocate(log);
        Live b = new Live(block, log, ++marks);
        long[] array = slabs.array(b.slab());
        assertThat(b.base()).as("base, %s", at).isGreaterThanOrEqualTo(0);
        assertThat(b.base() + (1 << log)).as("end, %s", at).isLessThanOrEqualTo(array.length);
        assertThat(array.length).as("slab length, %s", at).isEqualTo(LongSlabs.SLAB);
        for (int i = b.base(); i < b.base() + (1 << log); i++) {
          assertThat(array[i]).as("slot %d of a new block, %s", i, at).isZero();
          array[i] = b.mark();
        }
        live.add(b);
      } else {
        Live b = live.remove(random.nextInt(live.size()));
        check(slabs, b, at);
        slabs.release(b.block(), b.log());
      }
      if (step % 500 == 0) {
        for (Live b : live) {
          check(slabs, b, at);
        }
        Set<Integer> held = new HashSet<>();
        live.forEach(b -> held.add(b.slab()));
        assertThat(slabs.slabs()).as("slabs held, %s", at).isEqualTo(held.size());
      }
    }
    for (Live b : live) {
      slabs.release(b.block(), b.log());
    }
    assertThat(slabs.slabs()).as("slabs held once every block is back, seed %d", seed).isZero();
    assertThat(slabs.bytes()).isZero();
  }

  @Test
  void aSlabHoldsBlocksOfOneSizeAndAsManyAsFit() {
    LongSlabs slabs = new LongSlabs();
    int log = 13;
    int perSlab = LongSlabs.SLAB >>> log; // 63: the slab is 64 bytes short of 4 MiB
    Set<Integer> slabIndexes = new HashSet<>();
    List<Long> blocks = new ArrayList<>();
    for (int i = 0; i < perSlab; i++) {
      long block = slabs.allocate(log);
      blocks.add(block);
      slabIndexes.add((int) (block >>> 32));
    }
    assertThat(slabIndexes).hasSize(1);
    assertThat(slabs.slabs()).isEqualTo(1);
    long other = slabs.allocate(12); // another size never shares that slab
    assertThat((int) (other >>> 32)).isNotIn(slabIndexes);
    long next = slabs.allocate(log);
    assertThat((int) (next >>> 32)).isNotIn(slabIndexes);
    assertThat(slabs.slabs()).isEqualTo(3);
    for (long b : blocks) {
      slabs.release(b, log);
    }
    assertThat(slabs.slabs()).isEqualTo(2);
  }

  private static void check(LongSlabs slabs, Live b, String at) {
    long[] array = slabs.array(b.slab());
    assertThat(array).as("slab of a live block, %s", at).isNotNull();
    for (int i = b.base(); i < b.base() + (1 << b.log()); i += 37) {
      assertThat(array[i]).as("slot %d of block %d, %s", i, b.mark(), at).isEqualTo(b.mark());
    }
    assertThat(array[b.base() + (1 << b.log()) - 1]).as("last slot of block %d, %s", b.mark(), at).isEqualTo(b.mark());
  }
}
