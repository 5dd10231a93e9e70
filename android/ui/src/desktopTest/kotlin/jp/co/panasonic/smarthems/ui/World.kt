package jp.co.panasonic.smarthems.ui

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
import jp.co.panasonic.smarthems.core.AppFlipAnswer
import jp.co.panasonic.smarthems.core.Config
import jp.co.panasonic.smarthems.core.Language
import jp.co.panasonic.smarthems.core.Platform
import jp.co.panasonic.smarthems.core.PlatformException
import jp.co.panasonic.smarthems.core.SecureStore
import jp.co.panasonic.smarthems.core.SecureStoreException
import jp.co.panasonic.smarthems.core.SmartHems

// The world around the app for the screenshot test: the simulated cloud as a process, the phone
// (browser, Google Home, store) and its keychain — as bindings/kotlin's BindingsTest sets them up.

const val REDIRECT = "jp.co.panasonic.smarthems:/oauth2redirect"
const val EMAIL = "taro@example.jp"
const val PASSWORD = "Passw0rd!"

/** The simulated cloud as a separate process on loopback; it stops when its stdin closes. */
class SimCloud : AutoCloseable {
    private val process: Process = ProcessBuilder(
        System.getProperty("smarthems.simcloud") ?: error("run with -Dsmarthems.simcloud=<path of the simcloud binary>"),
    ).redirectError(ProcessBuilder.Redirect.DISCARD).start()
    private val line: String = BufferedReader(InputStreamReader(process.inputStream)).readLine()
        ?: error("simcloud printed nothing")
    private fun field(name: String) = Regex("\"$name\":\"([^\"]+)\"").find(line)?.groupValues?.get(1)
        ?: error("no $name in $line")
    val issuer = field("issuer")
    val apiBase = field("api_base")
    private val control = field("control_url")
    private val http = HttpClient.newHttpClient()

    /** The test-control API (`/_sim/...`). */
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
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** The phone around the app: what it was asked to open, and App Flip answers. */
class Phone : Platform {
    /** A phone with no browser: opening the login page fails, as AndroidPhone reports it. */
    @Volatile var noBrowser = false
    val loginPages = CopyOnWriteArrayList<String>()
    val googleHomeLinks = CopyOnWriteArrayList<String>()
    val answers = CopyOnWriteArrayList<AppFlipAnswer>()
    val storeOpened = CopyOnWriteArrayList<Unit>()
    override fun openLoginPage(url: String) {
        if (noBrowser) throw PlatformException.Failed("no browser (test)")
        loginPages += url
    }
    override fun openGoogleHome(link: String) {
        googleHomeLinks += link
    }
    override fun openStore() {
        storeOpened += Unit
    }
    override fun answerGoogle(answer: AppFlipAnswer) {
        answers += answer
    }
}

/** A keychain double that outlives the app object; while [unavailable] it throws as a locked Keystore does. */
class Keychain : SecureStore {
    private val items = ConcurrentHashMap<String, String>()
    @Volatile var unavailable = false
    private fun available() {
        if (unavailable) throw SecureStoreException.Unavailable("Keystore locked (test)")
    }
    override fun load(key: String): String? = available().let { items[key] }
    override fun save(key: String, value: String) = available().let { items[key] = value }
    override fun delete(key: String) = available().let { items.remove(key); Unit }
}

/** The user in the system browser: fills in CLUB Panasonic's login form; returns the redirect. */
fun logInInBrowser(authorizeUrl: String): String {
    val http = HttpClient.newBuilder().cookieHandler(CookieManager()).followRedirects(HttpClient.Redirect.NEVER).build()
    val page = http.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).GET().build(), HttpResponse.BodyHandlers.ofString())
    val interaction = Regex("name=\"interaction\" value=\"([^\"]+)\"").find(page.body())?.groupValues?.get(1)
        ?: error("no login form: ${page.statusCode()}")
    val form = mapOf("interaction" to interaction, "email" to EMAIL, "password" to PASSWORD)
        .entries.joinToString("&") { (k, v) -> "$k=${URLEncoder.encode(v, StandardCharsets.UTF_8)}" }
    val answer = http.send(
        HttpRequest.newBuilder(URI.create(authorizeUrl).resolve("/oidc/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString(),
    )
    return answer.headers().firstValue("location").orElseThrow().also {
        check(it.startsWith(REDIRECT)) { "not the app's redirect: $it" }
    }
}

/** One phone with the app installed: its own database, keychain and platform. */
class Installation(
    private val sim: SimCloud,
    private val appVersion: String = "3.1.0",
    oldId: Boolean = false,
) : AutoCloseable {
    val dir: File = Files.createTempDirectory("smarthems-ui").toFile()
    val phone = Phone()
    val keychain = Keychain()
    private val oldIdPath = File(dir, "hems_club.db").also { if (oldId) it.writeText("panasonic-id session") }

    fun newApp() = SmartHems(
        Config(
            issuer = sim.issuer,
            clientId = "smarthems-app",
            redirectUri = REDIRECT,
            cloudBaseUrl = sim.apiBase,
            databasePath = File(dir, "app.db").path,
            language = Language.JAPANESE,
            appVersion = appVersion,
            appId = "jp.co.panasonic.smarthems",
            googleClientId = "google-home",
            oldIdPaths = listOf(oldIdPath.path),
        ),
        phone,
        keychain,
    )

    override fun close() {
        dir.deleteRecursively()
    }
}
