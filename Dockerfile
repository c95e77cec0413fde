# syntax=docker/dockerfile:1
# runner-operator image: build the shaded jar with Maven, run it on a JRE as a non-root user.

# ---- build ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src ./src
# demo's bundled example (pom.xml copies it into the jar)
COPY examples/shop.yaml ./examples/shop.yaml
# `package` writes the shaded, executable jar to target/runner-operator.jar (<finalName> in pom.xml).
# The local Maven repository is a BuildKit cache, kept between builds.
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

# ---- runtime ----
FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="runner-operator" \
      org.opencontainers.image.description="Runs a group of services in dependency order, with restarts and one health"
WORKDIR /app
COPY --from=build /src/target/runner-operator.jar /app/runner-operator.jar
# The JVM only writes to /tmp (an emptyDir in the Helm chart; the root filesystem is read-only).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
# A numeric, non-root user (the chart's runAsNonRoot can only verify a numeric id).
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/runner-operator.jar", "run"]
