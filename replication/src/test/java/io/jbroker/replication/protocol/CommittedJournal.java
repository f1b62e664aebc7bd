package io.jbroker.replication.protocol;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer journal's names as committed in a master's SQLite file, read over a connection of
 * its own beside the master's (a reader of the WAL sees what was committed, nothing of a
 * transaction still open): what a restart after a crash would find.
 */
public final class CommittedJournal {
  private CommittedJournal() {}

  public static List<String> names(Path db) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement ps = c.prepareStatement("select key from meta where key like ? order by key")) {
      ps.setString(1, BackendJournal.PREFIX + "%"); // the prefix holds no wildcard
      List<String> names = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      return names;
    }
  }
}
