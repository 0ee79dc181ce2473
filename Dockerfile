# Build stage: the Maven wrapper needs only a JDK.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY crds crds
COPY examples examples
COPY helm helm
RUN ./mvnw -B -q -DskipTests package

# Run stage: a JRE and the one jar; the same image runs the operator and the host agent.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 65532 vmha && useradd --system --uid 65532 --gid vmha --home-dir /nonexistent vmha
COPY --from=build /src/target/vmha.jar /opt/vmha/vmha.jar
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/vmha/vmha.jar"]
CMD ["operator"]
