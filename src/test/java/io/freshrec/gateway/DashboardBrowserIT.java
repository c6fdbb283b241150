package io.freshrec.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through Debian's chromedriver by Selenium (both
 * named explicitly, so Selenium Manager never looks for a browser of its own), opens the gateway's page in front of a
 * real embedded job: the generator's 6,000 events at 500 a second with 1% bad records, then a model that no longer
 * changes. The page asks for the token, draws every chart from the job's figures and keeps them live, shows each
 * lookup exactly as {@code freshrec recommend} and {@code freshrec similar} print it, and says clearly when the gateway
 * refuses the token. Screenshots in target/dashboard/. Only in the browser profile: {@code mvn -B -Pbrowser verify}.
 * Ports of the block: 0 Flink REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {
    private static final TestPorts.Block PORTS = TestPorts.block();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "dashboard-token-0123456789abcdef";
    private static final String LOOKUPS_ONLY = "lookups-token-0123456789abcdef";
    private static final Path CHROMIUM = Path.of(System.getProperty("freshrec.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("freshrec.chromedriver", "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of("target", "dashboard");
    private static final int CHARTS = 8;
    private static final int MIN_POINTS = 10;

    @TempDir
    static Path work;

    private static EmbeddedGateway embedded;
    private static ChromeDriver browser;

    @BeforeAll
    static void startJobGatewayAndBrowser() throws Exception {
        String install = "Debian's packages: apt-get install -y chromium chromium-driver";
        assertThat(CHROMIUM).as(install).isExecutable();
        assertThat(CHROMEDRIVER).as(install).isExecutable();
        Files.createDirectories(SCREENSHOTS);
        Path tokens = work.resolve("tokens");
        Files.writeString(tokens, "dashboard " + TOKEN + "\nshop " + LOOKUPS_ONLY + " lookups\n");
        embedded = EmbeddedGateway.start(
                PORTS,
                work,
                List.of(
                        "--rate",
                        "500",
                        "--events",
                        "6000",
                        "--users",
                        "200",
                        "--items",
                        "300",
                        "--bad-rate",
                        "0.01",
                        "--keep-running",
                        "--duration",
                        "240s",
                        "--progress",
                        "10s",
                        "--dead-letters",
                        work.resolve("dead").toString()),
                new Gateway.Settings(
                        "127.0.0.1", 0, GatewayTokens.fromFile(tokens), 0, Duration.ofSeconds(5), 500, 100, true, null),
                null,
                new PrintWriter(System.out, true));
        // Lists that no longer change: what the page shows and what the commands print must be the same lists.
        embedded.awaitSteadyModel(TOKEN, 5_900);
        browser = chromium();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private static ChromeDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox", // as root, which CI is
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1440,1000",
                "--user-data-dir=" + work.resolve("chromium-profile"));
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        return new ChromeDriver(driver, options);
    }

    @Test
    @Order(1)
    void shouldDrawEveryChartFromTheRunningJobAndKeepThemLive() throws Exception {
        open(TOKEN);
        List<WebElement> charts = browser.findElements(By.cssSelector("svg[data-testid=chart]"));
        assertThat(charts).hasSize(CHARTS);
        await(
                "every chart to have " + MIN_POINTS + " points",
                () -> charts.stream().allMatch(chart -> points(chart) >= MIN_POINTS));
        // Live: the next polls bring the gateway's newer samples.
        int before = points(byId("chart-throughput"));
        await(
                "the throughput chart to grow past " + before + " points",
                () -> points(byId("chart-throughput")) > before);

        JsonNode model = JSON.readTree(embedded.get("/v1/model", TOKEN).body());
        assertThat(byId("status-job").getText()).isEqualTo("running");
        assertThat(byId("status-version").getText())
                .isEqualTo(model.path("modelVersion").asText());
        String breaker = model.path("breaker").path("state").asText();
        assertThat(byId("status-breaker").getText())
                .startsWith(breaker.equals("learning-baseline") ? "learning baseline" : breaker);
        assertThat(byId("status-rate").getText()).isNotEqualTo("\u2014");
        assertThat(byId("status-freshness").getText()).matches("\\d+(\\.\\d)? m?s");
        // The newest version heads the table; each dead-letter reason the job counted has its series.
        List<WebElement> versions = browser.findElements(By.cssSelector("#versions-table tbody tr"));
        assertThat(versions).isNotEmpty();
        assertThat(versions.get(0).getText())
                .startsWith("v" + model.path("modelVersion").asText() + " ");
        JsonNode samples =
                JSON.readTree(embedded.get("/v1/timeline", TOKEN).body()).path("samples");
        List<String> reasons = new ArrayList<>();
        samples.get(samples.size() - 1).path("deadLettersByReason").fieldNames().forEachRemaining(reasons::add);
        assertThat(reasons).as("the generator's bad records, by reason").hasSizeGreaterThan(1);
        String deadLetters = byId("chart-dead-letters").getDomProperty("textContent");
        assertThat(reasons).allSatisfy(reason -> assertThat(deadLetters).contains(reason));
        // No script error and no request the page's Content-Security-Policy refused.
        assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                .filteredOn(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
                .extracting(LogEntry::getMessage)
                .isEmpty();
        screenshot("dashboard.png");
    }

    @Test
    @Order(2)
    void shouldShowAUsersListAndAnItemsNeighboursAsTheCommandsPrintThem() throws Exception {
        open(TOKEN);
        for (String user : List.of("1", "17", "150")) {
            CliRun recommend = cli("recommend", "--user", user);
            assertThat(recommend.code()).as(recommend.err()).isZero();
            lookUp("user", user);
            assertThat(byId("user-summary").getText())
                    .as("the summary starts as the command's first line")
                    .startsWith(recommend.out().lines().findFirst().orElseThrow());
            assertThat(rows("user-result")).isEqualTo(listed(recommend.out()));
        }

        // A click on an item of the list looks its neighbours up.
        WebElement first = browser.findElement(By.cssSelector("#user-result tbody button[data-item]"));
        String item = first.getText();
        first.click();
        await(
                "item " + item + "'s neighbours",
                () -> byId("item-summary").getText().startsWith("item " + item + ":"));
        CliRun similar = cli("similar", "--item", item);
        assertThat(similar.code()).as(similar.err()).isZero();
        assertThat(byId("item-summary").getText())
                .isEqualTo(similar.out().lines().findFirst().orElseThrow());
        assertThat(rows("item-result")).isEqualTo(listed(similar.out()));
        screenshot("lookups.png");

        lookUp("user", "987654321");
        assertThat(byId("user-summary").getText())
                .startsWith("Not found (404 unknown-user): no recommendations for user 987654321");
        assertThat(byId("user-result").isDisplayed()).isFalse();
    }

    @Test
    @Order(3)
    void shouldSayClearlyWhenTheGatewayRefusesTheToken() throws Exception {
        open("not-the-token-0123456789abcdef");
        await("the refusal", () -> byId("message").isDisplayed());
        assertThat(byId("message").getText())
                .isEqualTo("The gateway refused the token (401): the token is not known. Enter a valid token.");
        assertThat(byId("token-form").isDisplayed()).isTrue();
        assertThat(byId("status-job").getText()).isEqualTo("\u2014");
        assertThat(browser.findElements(By.cssSelector("svg[data-testid=chart]")))
                .allSatisfy(chart -> assertThat(points(chart)).isZero());
        screenshot("wrong-token.png");

        // A client without the model scope: the figures are refused, saying why, and lookups still work.
        open(LOOKUPS_ONLY);
        await("the refusal of the figures", () -> byId("message").getText().contains("(403 forbidden)"));
        assertThat(byId("message").getText()).startsWith("The token's client may not do this (403 forbidden): ");
        lookUp("user", "1");
        assertThat(rows("user-result")).isNotEmpty();
    }

    // ---- the page ----

    /** Opens the page in a fresh tab state (no token kept) and gives it {@code token}. */
    private static void open(String token) {
        browser.get(embedded.base() + "/");
        browser.executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        browser.manage().logs().get(LogType.BROWSER); // reading empties the log: what follows is this page's
        await("the token form", () -> byId("token-form").isDisplayed());
        byId("token-input").sendKeys(token);
        byId("token-submit").click();
    }

    /** Looks {@code id} up in the page's box for {@code kind} (user or item) and waits for the answer. */
    private static void lookUp(String kind, String id) {
        WebElement input = byId(kind + "-id");
        input.clear();
        input.sendKeys(id);
        byId(kind + "-submit").click();
        await(kind + " " + id + " looked up", () -> {
            String summary = byId(kind + "-summary").getText();
            return !summary.startsWith("looking up") && summary.contains(kind + " " + id);
        });
    }

    /** The rows of a result table as the commands print theirs: "1. item 96 score 1.1636". */
    private static List<String> rows(String table) {
        List<String> rows = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#" + table + " tbody tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            StringBuilder line = new StringBuilder(
                    cells.get(0).getText() + ". item " + cells.get(1).getText());
            List<String> names =
                    table.equals("user-result") ? List.of("score") : List.of("co-occurrence", "confidence");
            for (int i = 0; i < names.size(); i++) {
                line.append(' ')
                        .append(names.get(i))
                        .append(' ')
                        .append(cells.get(2 + i).getText());
            }
            rows.add(line.toString());
        }
        return rows;
    }

    /** The ranked lines of a command's output, spaced as {@link #rows} makes them, without "(trending)". */
    private static List<String> listed(String out) {
        return out.lines()
                .filter(line -> line.matches("\\s*\\d+\\. item .*"))
                .map(line -> line.replace("(trending)", "").trim().replaceAll("\\s+", " "))
                .toList();
    }

    private static CliRun cli(String command, String option, String id) {
        return CliRun.of(
                command,
                option,
                id,
                "--k",
                "10",
                "--port",
                PORTS.text(1),
                "--flink-rest",
                EmbeddedGateway.flinkRest(PORTS).toString(),
                "--timeout",
                "30s");
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private static int points(WebElement chart) {
        return Integer.parseInt(chart.getDomAttribute("data-points"));
    }

    private static void await(String what, Supplier<Boolean> condition) {
        new WebDriverWait(browser, Duration.ofSeconds(30))
                .withMessage("waited 30 s for " + what)
                .until(driver -> condition.get());
    }

    /** The whole page, top to bottom, at 1440 pixels wide. */
    private static void screenshot(String name) throws Exception {
        Dimension window = browser.manage().window().getSize();
        // The window's height that makes the viewport as tall as the page.
        long height = (Long) browser.executeScript(
                "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight");
        browser.manage().window().setSize(new Dimension(1440, (int) Math.min(height, 4000)));
        browser.executeScript("window.scrollTo(0, 0)");
        // The charts are redrawn at the new size on the next frame.
        browser.executeAsyncScript(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(done));");
        Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(window);
    }
}
