package io.jbroker.node;

/**
 * Exit codes of the {@code jbroker} command.
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>0</td><td>success (a node stopped by SIGTERM/SIGINT after a graceful shutdown too)</td></tr>
 *   <tr><td>1</td><td>failure: a node could not start (port in use, store cannot be opened), or an unexpected error</td></tr>
 *   <tr><td>2</td><td>usage: unknown command or option, malformed argument or data, bad configuration value</td></tr>
 *   <tr><td>3</td><td>the node refused the request: a Broker error (printed with its name and number, e.g.
 *       {@code no_such_key (9)}) or another request error (no such store, invalid argument)</td></tr>
 *   <tr><td>4</td><td>connection: the node could not be reached or did not answer in time</td></tr>
 *   <tr><td>5</td><td>authentication: the node requires a bearer token, or refused the one given (or the TLS client
 *       certificate)</td></tr>
 * </table>
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int REQUEST = 3;
  public static final int CONNECTION = 4;
  public static final int AUTHENTICATION = 5;

  private ExitCodes() {}
}
