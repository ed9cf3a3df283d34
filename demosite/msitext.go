package demosite

// msiText holds the localized templates of an MSI verbose log. Windows
// Installer translates its messages and the action lines; the MSI (s)
// prefixes, property names and numbers stay as they are.
type msiText struct {
	started, stopped, logStopped string // header and footer, with date and time
	actionStart, actionEnded     string // time, action [, return value]
	product                      string // product, message
	note, property               string
	failed, opFailed             string
	errors                       map[int]string
	dateLayout                   string
}

var msiEnglish = msiText{
	started:     "=== Verbose logging started: %s  Build type: SHIP UNICODE 3.01.4000.2435  Calling process: %s ===",
	stopped:     "=== Verbose logging stopped: %s ===",
	logStopped:  "=== Logging stopped: %s ===",
	actionStart: "Action start %s: %s.",
	actionEnded: "Action ended %s: %s. Return value %d.",
	product:     "Product: %s -- %s",
	note:        "Note:",
	property:    "Property",
	failed:      "Installation failed.",
	opFailed:    "Installation operation failed.",
	dateLayout:  "1/2/2006  15:04:05",
	errors: map[int]string{
		1310: "Error 1310. Error writing to file: %s.  System error 32.  Verify that you have access to that directory.",
		1311: "Error 1311. Source file not found: %s.  Verify that the file exists and that you can access it.",
		1325: "Error 1325. '%s' is not a valid short file name.",
		1327: "Error 1327. Invalid Drive: %s",
		1334: "Error 1334. The file '%s' cannot be installed because the file cannot be found in cabinet file '%s'. This could indicate a network error, an error reading from the CD-ROM, or a problem with this package.",
		1402: "Error 1402. Could not open key: %s.  System error 5.  Verify that you have sufficient access to that key, or contact your support personnel.",
		1406: "Error 1406. Could not write value %s to key %s.  System error 5.  Verify that you have sufficient access to that key, or contact your support personnel.",
		1601: "Error 1601. Out of disk space -- Volume: '%s'; required space: %d KB; available space: %d KB.  Free some disk space and retry.",
		1618: "Error 1618. Another installation is already in progress. Complete that installation before proceeding with this install.",
		1706: "Error 1706. An installation package for the product %s cannot be found. Try the installation again using a valid copy of the installation package '%s'.",
		1722: "Error 1722. There is a problem with this Windows Installer package. A program run as part of the setup did not finish as expected. Contact your support personnel or package vendor.  Action %s, location: %s, command: %s ",
		1920: "Error 1920. Service %s (%s) failed to start.  Verify that you have sufficient privileges to start system services.",
		1935: "Error 1935. An error occurred during the installation of assembly '%s'. Please refer to Help and Support for more information. HRESULT: 0x80070005. assembly interface: IAssemblyCacheItem, function: Commit, component: %s",
		2203: "Internal Error 2203. %s, %d",
	},
}

var msiRussian = msiText{
	started:     "=== Начато подробное протоколирование: %s  Тип сборки: SHIP UNICODE 3.01.4000.2435  Вызывающий процесс: %s ===",
	stopped:     "=== Подробное протоколирование остановлено: %s ===",
	logStopped:  "=== Протоколирование остановлено: %s ===",
	actionStart: "Действие начато %s: %s.",
	actionEnded: "Действие завершено %s: %s. Возвращенное значение %d.",
	product:     "Продукт: %s -- %s",
	note:        "Примечание:",
	property:    "Свойство",
	failed:      "Ошибка установки.",
	opFailed:    "Ошибка при выполнении установки.",
	dateLayout:  "02.01.2006  15:04:05",
	errors: map[int]string{
		1310: "Ошибка 1310. Ошибка записи в файл: %s.  Системная ошибка 32.  Убедитесь, что у вас есть доступ к этой папке.",
		1311: "Ошибка 1311. Не найден исходный файл: %s.  Убедитесь, что файл существует и что у вас есть к нему доступ.",
		1325: "Ошибка 1325. '%s' не является допустимым коротким именем файла.",
		1327: "Ошибка 1327. Недопустимый диск: %s",
		1334: "Ошибка 1334. Не удается установить файл '%s', так как он не найден в файле CAB '%s'. Возможно, это связано с ошибкой сети, ошибкой чтения компакт-диска или неисправностью пакета.",
		1402: "Ошибка 1402. Не удается открыть раздел: %s.  Системная ошибка 5.  Убедитесь, что у вас есть необходимые права доступа к этому разделу, или обратитесь в службу поддержки.",
		1406: "Ошибка 1406. Не удается записать значение %s в раздел %s.  Системная ошибка 5.  Убедитесь, что у вас есть необходимые права доступа к этому разделу, или обратитесь в службу поддержки.",
		1601: "Ошибка 1601. Недостаточно места на диске -- Том: '%s'; требуется: %d КБ; доступно: %d КБ.  Освободите место на диске и повторите попытку.",
		1618: "Ошибка 1618. Уже выполняется другая установка. Завершите ее, прежде чем начинать эту.",
		1706: "Ошибка 1706. Не найден пакет установки для продукта %s. Повторите установку, используя правильную копию пакета установки '%s'.",
		1722: "Ошибка 1722. Ошибка пакета установщика Windows. Программа, запущенная в ходе установки, завершилась неожиданно. Обратитесь в службу поддержки или к поставщику пакета.  Действие %s, расположение: %s, команда: %s ",
		1920: "Ошибка 1920. Не удалось запустить службу %s (%s).  Убедитесь, что у вас достаточно прав для запуска системных служб.",
		1935: "Ошибка 1935. Ошибка при установке сборки '%s'. Дополнительные сведения см. в разделе справки и поддержки. HRESULT: 0x80070005. интерфейс сборки: IAssemblyCacheItem, функция: Commit, компонент: %s",
		2203: "Внутренняя ошибка 2203. %s, %d",
	},
}
