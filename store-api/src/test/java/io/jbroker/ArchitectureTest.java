package io.jbroker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Layering of store-api (ARCHITECTURE.md): the data model stands alone; nothing here knows I/O frameworks. */
class ArchitectureTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.jbroker");

  @Test
  void theDataModelDoesNotDependOnStores() {
    noClasses().that().resideInAPackage("io.jbroker.data..")
        .should().dependOnClassesThat().resideInAPackage("io.jbroker.store..")
        .check(MAIN);
  }

  @Test
  void storeApiUsesNoNetworkingOrStorageFrameworks() {
    noClasses().that().resideInAPackage("io.jbroker..")
        .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.grpc..", "java.sql..", "org.rocksdb..")
        .check(MAIN);
  }

  @Test
  void theCoreDoesNotDependOnConcreteBackends() {
    noClasses().that().resideInAPackage("io.jbroker.store")
        .should().dependOnClassesThat().resideInAPackage("io.jbroker.store.memory..")
        .check(MAIN);
  }
}
