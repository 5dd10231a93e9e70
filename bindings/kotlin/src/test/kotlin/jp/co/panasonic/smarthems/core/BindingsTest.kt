package jp.co.panasonic.smarthems.core

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.CookieManager
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

private const val REDIRECT = "jp.co.panasonic.smarthems:/oauth2redirect"
private const val EMAIL = "taro@example.jp"
private const val PASSWORD = "Passw0rd!"

/** How long a test waits before calling the core hung: answers take milliseconds, but CI machines stall. */
private const val HANG_GUARD_MS = 30_000L

/** The simulated cloud as a separate process on loopback; it stops when its stdin closes. */
class SimCloud : AutoCloseable {
    private val process: Process = ProcessBuilder(System.getProperty("smarthems.simcloud"))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start()
    private val line: String = BufferedReader(InputStreamReader(process.inputStream)).readLine()
        ?: error("simcloud printed nothing")
    private fun field(name: String) = Regex("\"$name\":\"([^\"]+)\"").find(line)?.groupValues?.get(1)
        ?: error("no $name in $line")
    val issuer = field("issuer")
    val apiBase = field("api_base")
    private val control = field("control_url")
    private val http = HttpClient.newHttpClient()

    /** Calls the test-control API (`/_sim/...`) with a JSON body. */
    fun post(path: String, json: String): String = http.send(
        HttpRequest.newBuilder(URI.create("$control$path"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString(),
    ).body()

    fun get(path: String): String = http.send(
        HttpRequest.newBuilder(URI.create("$control$path")).GET().build(),
        HttpResponse.BodyHandlers.ofString(),
    ).body()

    override fun close() {
        process.outputStream.close()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** The phone around the app, in Kotlin: the system browser and the Google Home app. */
class Phone : Platform {
    val opened = CopyOnWriteArrayList<String>()
    val googleHomeOpened = AtomicInteger()
    override fun openLoginPage(url: String) {
        opened += url
    }
    val googleHomeLinks = CopyOnWriteArrayList<String>()
    val answers = CopyOnWriteArrayList<AppFlipAnswer>()
    override fun answerGoogle(answer: AppFlipAnswer) {
        answers += answer
    }
    override fun openGoogleHome(link: String) {
        googleHomeLinks += link
        googleHomeOpened.incrementAndGet()
    }
    val storeOpened = AtomicInteger()
    override fun openStore() {
        storeOpened.incrementAndGet()
    }
}

/**
 * A keychain double: a map that outlives the app object, like the real one. While [unavailable],
 * every call throws [SecureStoreException.Unavailable], as a locked or reset Keystore does.
 */
class Keychain : SecureStore {
    val items = ConcurrentHashMap<String, String>()
    @Volatile var unavailable = false
    val refused = AtomicInteger()
    private fun available() {
        if (unavailable) {
            refused.incrementAndGet()
            throw SecureStoreException.Unavailable("Keystore locked (test)")
        }
    }
    override fun load(key: String): String? {
        available()
        return items[key]
    }
    override fun save(key: String, value: String) {
        available()
        items[key] = value
    }
    override fun delete(key: String) {
        available()
        items.remove(key)
    }
}

/** The user in the system browser: fills in CLUB Panasonic's login form and returns the redirect. */
fun logInInBrowser(authorizeUrl: String): String {
    val http = HttpClient.newBuilder().cookieHandler(CookieManager()).followRedirects(HttpClient.Redirect.NEVER).build()
    val page = http.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).GET().build(), HttpResponse.BodyHandlers.ofString())
    val interaction = Regex("name=\"interaction\" value=\"([^\"]+)\"").find(page.body())?.groupValues?.get(1)
        ?: error("no login form: ${page.statusCode()}")
    val form = mapOf("interaction" to interaction, "email" to EMAIL, "password" to PASSWORD)
        .entries.joinToString("&") { (k, v) -> "$k=${URLEncoder.encode(v, StandardCharsets.UTF_8)}" }
    val loginUrl = URI.create(authorizeUrl).resolve("/oidc/login")
    val answer = http.send(
        HttpRequest.newBuilder(loginUrl).header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString(),
    )
    return answer.headers().firstValue("location").orElseThrow().also { assertTrue(it.startsWith(REDIRECT)) }
}

/** The app set up against the simulated cloud (`issuer`, `cloud`), its database in `dir`. */
fun appConfig(issuer: String, cloud: String, dir: File) = Config(
    issuer = issuer,
    clientId = "smarthems-app",
    redirectUri = REDIRECT,
    cloudBaseUrl = cloud,
    databasePath = File(dir, "app.db").path,
    language = Language.JAPANESE,
    appVersion = "3.1.0",
    appId = "jp.co.panasonic.smarthems",
    googleClientId = "google-home",
    oldIdPaths = emptyList(),
)

class BindingsTest {
    private lateinit var sim: SimCloud
    private lateinit var dir: File
    private val phone = Phone()
    private val keychain = Keychain()

    @BeforeEach
    fun setUp() {
        sim = SimCloud()
        dir = Files.createTempDirectory("smarthems").toFile()
    }

    @AfterEach
    fun tearDown() {
        sim.close()
        dir.deleteRecursively()
    }

    private fun config(cloud: String = sim.apiBase) = appConfig(sim.issuer, cloud, dir)

    private fun newApp() = SmartHems(config(), phone, keychain)

    // The calls that move the app on return nothing (a screen crosses once, to the listeners);
    // these read the screen each led to, as a test's shorthand.
    private suspend fun SmartHems.press(label: String): ScreenView {
        val button = screen().button(label) ?: error("「${screen().title}」 has no 「$label」: ${screen().buttons.map { it.label }}")
        tap(button.action)
        return screen()
    }

    private suspend fun SmartHems.opened(url: String): ScreenView {
        openUrl(url)
        return screen()
    }

    private suspend fun SmartHems.started(): ScreenView {
        start()
        return screen()
    }

    private suspend fun SmartHems.logIn(): ScreenView {
        press("CLUB Panasonic ログイン画面へ")
        return opened(logInInBrowser(phone.opened.last()))
    }

    @Test
    fun `flow A from welcome to home, with screens observed as a Flow`() = runBlocking {
        newApp().use { app ->
            // The collector subscribes on a later turn of the event loop; wait for its first
            // screen, or it may subscribe only after the taps below and see a later screen first.
            val subscribed = CompletableDeferred<Unit>()
            val firstFour = async { app.screens().onEach { subscribed.complete(Unit) }.take(4).toList() }
            withTimeout(HANG_GUARD_MS) { subscribed.await() }
            assertEquals("スマートHEMSサービス", app.started().title)
            assertEquals("CLUB Panasonic ログイン", app.press("CLUB Panasonic ログイン画面へ").title)
            assertTrue(phone.opened.last().contains("code_challenge_method=S256"))
            val terms = app.opened(logInInBrowser(phone.opened.last()))
            assertTrue(terms.screen is Screen.AppTerms, "sealed Screen type: ${terms.screen}")
            assertEquals("スマートHEMSサービス利用規約", terms.title)
            assertEquals("スマートスピーカー連携サービス登録", app.press("同意する").title)
            val home = app.press("いいえ")
            assertTrue(home.screen is Screen.Home)
            assertTrue(home.body.first().contains("パナソニック 太郎"))
            val titles = withTimeout(HANG_GUARD_MS) { firstFour.await() }.map { it.title }
            assertEquals("スマートHEMSサービス", titles.first(), "a new collector gets the current screen first")
            // Tokens went to the Kotlin keychain, never into SQLite.
            val tokens = keychain.items.values.joinToString()
            assertTrue(tokens.contains("access_token"))
            // The database runs in WAL mode: recent writes sit in app.db-wal (and the index in
            // app.db-shm) until a checkpoint, so all three files are read while the app is open.
            val files = listOf("app.db", "app.db-wal", "app.db-shm").map { File(dir, it) }.filter { it.exists() }
            assertTrue(files.any { it.name == "app.db-wal" }, "expected a WAL file: ${dir.list()?.toList()}")
            val database = files.joinToString("") { it.readBytes().toString(Charsets.ISO_8859_1) }
            for (name in listOf("access_token", "refresh_token")) {
                val secret = Regex("\"$name\":\"([^\"]+)\"").find(tokens)!!.groupValues[1]
                assertFalse(database.contains(secret), "the $name reached SQLite")
            }
        }
    }

    @Test
    fun `the app object can be dropped and re-created on the same screen`() = runBlocking {
        newApp().use { app ->
            app.start()
            app.logIn()
        }
        newApp().use { app ->
            assertEquals("スマートHEMSサービス利用規約", app.started().title)
            assertEquals("スマートスピーカー連携サービス登録", app.press("同意する").title)
        }
    }

    @Test
    fun `errors cross the boundary as sealed Kotlin exceptions`() {
        val error = assertThrows<SetupException.InsecureUrl> {
            SmartHems(config(cloud = "http://hems.example.jp/api/v1"), phone, keychain)
        }
        assertEquals("cloud_base_url", error.field)
    }

    @Test
    fun `a keychain that throws Unavailable gives the service-trouble screen and the login can be retried`() = runBlocking {
        newApp().use { app ->
            app.start()
            // Starting a login stores the PKCE verifier: the Kotlin exception crosses into Rust.
            keychain.unavailable = true
            val problem = app.press("CLUB Panasonic ログイン画面へ")
            assertEquals(Screen.Problem(Problem.SERVICE_TROUBLE), problem.screen)
            assertEquals("サービスに接続できません", problem.title)
            assertTrue(problem.body.first().contains("「再試行」"), problem.body.toString())
            assertEquals(true, problem.button("再試行")?.enabled)
            assertTrue(keychain.refused.get() > 0, "the store was asked and refused")
            assertTrue(phone.opened.isEmpty(), "no login page without a place for the verifier")

            // The keychain is back: 「再試行」 opens the login page.
            keychain.unavailable = false
            assertEquals("CLUB Panasonic ログイン", app.press("再試行").title)
            // It fails again while the redirect is handled (the verifier cannot be read): the same
            // screen, no tokens kept, and 「再試行」 starts a fresh login (a code works only once).
            val redirect = logInInBrowser(phone.opened.last())
            keychain.unavailable = true
            assertEquals(Screen.Problem(Problem.SERVICE_TROUBLE), app.opened(redirect).screen)
            keychain.unavailable = false
            assertFalse(keychain.items.containsKey("login.tokens"))
            assertEquals("CLUB Panasonic ログイン", app.press("再試行").title)
            val terms = app.opened(logInInBrowser(phone.opened.last()))
            assertEquals("スマートHEMSサービス利用規約", terms.title)
            assertTrue(keychain.items.containsKey("login.tokens"))
        }
    }

    @Test
    fun `a keychain throwing an unexpected exception is a store failure, not a stuck app`() = runBlocking {
        val broken = object : SecureStore {
            override fun load(key: String): String? = throw IllegalStateException("Keystore key invalidated")
            override fun save(key: String, value: String): Unit = throw IllegalStateException("Keystore key invalidated")
            override fun delete(key: String): Unit = throw IllegalStateException("Keystore key invalidated")
        }
        SmartHems(config(), phone, broken).use { app ->
            app.start()
            val problem = withTimeout(HANG_GUARD_MS) { app.press("CLUB Panasonic ログイン画面へ") }
            assertEquals(Screen.Problem(Problem.SERVICE_TROUBLE), problem.screen)
            assertEquals("サービスに接続できません", problem.title)
        }
    }

    @Test
    fun `flow B from はい to a spoken command that changes a device`() = runBlocking {
        newApp().use { app ->
            app.start()
            app.logIn()
            app.press("同意する")
            assertEquals("ニックネーム登録", app.press("はい").title)
            app.tap(Action.EditNickname("たろう"))
            assertEquals("たろう", app.screen().input?.value)
            assertEquals("プライバシーポリシー", app.press("登録する").title)
            val devices = app.press("同意する")
            assertEquals("音声操作機器選択", devices.title)
            assertFalse(devices.button("次へ")!!.enabled)
            assertEquals(true, app.press("リビングのエアコン").button("リビングのエアコン")!!.checked)
            assertEquals("アカウントリンク", app.press("次へ").title)
            assertEquals("スマートスピーカー連携サービス利用規約", app.press("Google Home").title)
            val examples = app.press("同意する")
            assertTrue(examples.body.contains("「OK Google、リビングのエアコンを冷房にして」"))
            assertEquals("Google Home と連携", app.press("登録").title)
            assertEquals("Google Homeで連携しています", app.press("Google Home 起動").title)
            assertEquals(1, phone.googleHomeOpened.get())
            assertTrue(phone.googleHomeLinks.last().contains("ha_linking%3Fagent_id%3Dsmarthems-sim"), phone.googleHomeLinks.last())
            assertTrue(sim.post("/google/link", """{"email":"$EMAIL","password":"$PASSWORD"}""").contains("Finished"))
            app.appForegrounded()
            assertEquals("連携が完了しました", app.screen().title)
            val said = sim.post("/google/say", """{"email":"$EMAIL","utterance":"OK Google、リビングのエアコンを冷房にして"}""")
            assertTrue(said.contains("冷房にします"), said)
            assertTrue(sim.get("/aiseg/devices?email=$EMAIL").contains("\"mode\":\"cool\""))
        }
    }

    @Test
    fun `screen changes reach a Kotlin listener from the core's own threads`() = runBlocking {
        newApp().use { app ->
            app.start()
            val next = async { app.screens().first { it.title == "CLUB Panasonic ログイン" } }
            app.press("CLUB Panasonic ログイン画面へ")
            assertEquals("CLUB Panasonic ログイン", withTimeout(HANG_GUARD_MS) { next.await() }.title)
        }
    }
}
