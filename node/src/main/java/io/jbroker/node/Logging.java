package io.jbroker.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sets the console log level (logback) at run time. */
final class Logging {
  private Logging() {}

  /** Broker's level names: trace, debug, info, warning, error, quiet. */
  static void level(String brokerLevel) {
    Level level = switch (brokerLevel) {
      case "trace" -> Level.TRACE;
      case "debug" -> Level.DEBUG;
      case "warning", "warn" -> Level.WARN;
      case "error" -> Level.ERROR;
      case "quiet" -> Level.OFF;
      default -> Level.INFO;
    };
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
    }
  }

  /** For client commands: only warnings of jbroker itself, nothing from gRPC and Netty below errors. */
  static void client() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
      ctx.getLogger("io.grpc").setLevel(Level.ERROR);
      ctx.getLogger("io.netty").setLevel(Level.ERROR);
    }
  }
}
