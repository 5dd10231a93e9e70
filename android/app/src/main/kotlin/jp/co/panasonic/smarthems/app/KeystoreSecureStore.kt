package jp.co.panasonic.smarthems.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.KeyStore
import java.security.UnrecoverableKeyException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import jp.co.panasonic.smarthems.core.SecureStore
import jp.co.panasonic.smarthems.core.SecureStoreException

/**
 * The core's secrets on Android: an AES-256-GCM key that never leaves the Android Keystore, and
 * the ciphertexts in plain SharedPreferences (not the deprecated EncryptedSharedPreferences).
 *
 * A ciphertext whose key is gone or replaced (the Keystore was reset, or the app's data reached
 * another phone without its key) can never be read again: that is [SecureStoreException.Lost],
 * and the core asks the user to log in again. Anything else failing is
 * [SecureStoreException.Unavailable] (the core offers 「再試行」).
 */
class KeystoreSecureStore(context: Context) : SecureStore {
    private val prefs = context.getSharedPreferences("smarthems.secrets", Context.MODE_PRIVATE)

    private fun keystore(): KeyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

    /** The key, if there is one (a key that cannot be recovered counts as gone). */
    private fun existingKey(): SecretKey? = try {
        keystore().getKey(ALIAS, null) as? SecretKey
    } catch (unrecoverable: UnrecoverableKeyException) {
        null
    }

    private fun key(): SecretKey {
        existingKey()?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    override fun load(key: String): String? = guarded {
        val stored = prefs.getString(key, null) ?: return@guarded null
        // Sealed by a key that no longer exists: generating a new one would not open it.
        val sealing = existingKey() ?: throw SecureStoreException.Lost("the Keystore key of $key is gone")
        val bytes = Base64.decode(stored, Base64.NO_WRAP)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        try {
            cipher.init(Cipher.DECRYPT_MODE, sealing, GCMParameterSpec(128, bytes, 0, IV_BYTES))
            String(cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES), Charsets.UTF_8)
        } catch (invalidated: KeyPermanentlyInvalidatedException) {
            throw SecureStoreException.Lost("the Keystore key was invalidated: $invalidated")
        } catch (otherKey: AEADBadTagException) {
            // Sealed by an earlier key of the same alias (the Keystore was reset since).
            throw SecureStoreException.Lost("$key was sealed by another key: $otherKey")
        }
    }

    override fun save(key: String, value: String) = guarded {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        val sealed = cipher.iv + cipher.doFinal(value.toByteArray(Charsets.UTF_8))
        check(prefs.edit().putString(key, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit())
    }

    override fun delete(key: String) = guarded {
        check(prefs.edit().remove(key).commit())
    }

    private fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: SecureStoreException) {
        throw e
    } catch (e: Exception) {
        throw SecureStoreException.Unavailable(e.toString())
    }

    private companion object {
        const val ALIAS = "smarthems.secrets.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}
