package dev.runner.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs against a real etcd + kube-apiserver (built by it/cluster/build.sh).
 * Tagged {@code real-apiserver}: plain {@code mvn verify} leaves these out; {@code -Preal-apiserver}
 * runs them. Test methods and lifecycle methods can take a {@link RealApiServer} parameter; one
 * server is started per test JVM and shared by every class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("real-apiserver")
@ExtendWith(RealApiServerExtension.class)
public @interface RealApiServerTest {
}
